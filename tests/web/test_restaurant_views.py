from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse

from bookings.availability import REASON_LABELS, REASON_LEAD_TIME
from bookings.models import SlotInventory
from tests.factories import local, make_exception, make_restaurant
from web.views import MSG_API_BAD_DATE, MSG_API_BAD_PARTY_SIZE, MSG_API_NOT_FOUND

pytestmark = pytest.mark.usefixtures("frozen_now")

TODAY = date(2030, 6, 3)


def api(client, restaurant_id, **params):
    return client.get(reverse("web:availability-api", args=[restaurant_id]), params)


@pytest.mark.django_db
def test_availability_api_returns_the_contract_shape(client, restaurant):
    SlotInventory.objects.create(
        restaurant=restaurant, starts_at=local(restaurant, TODAY + timedelta(days=1)), seats_total=20, seats_remaining=3
    )
    response = api(client, restaurant.pk, date="2030-06-04", party_size="2")
    assert response.status_code == 200
    assert response.json() == {
        "restaurant": restaurant.pk,
        "date": "2030-06-04",
        "party_size": 2,
        "timezone": "Asia/Seoul",
        "slots": [{"time": "18:00", "available": True, "remaining_seats": 3}],
    }
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_availability_api_marks_full_and_too_soon_slots_unavailable(client):
    restaurant = make_restaurant(services=(time(10, 30), time(18, 0)), seats=4)
    slots = api(client, restaurant.pk, date="2030-06-03", party_size="5").json()["slots"]
    assert slots == [
        {"time": "10:30", "available": False, "remaining_seats": 4},  # within the lead time
        {"time": "18:00", "available": False, "remaining_seats": 4},  # party larger than the seats left
    ]
    assert api(client, restaurant.pk, date="2030-06-03", party_size="4").json()["slots"][1]["available"] is True


@pytest.mark.django_db
def test_availability_api_for_a_closed_day_has_no_slots(client, restaurant):
    make_exception(restaurant=restaurant, date=date(2030, 6, 5), closed=True)
    assert api(client, restaurant.pk, date="2030-06-05", party_size="2").json()["slots"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date": "2030-13-01", "party_size": "2"}, MSG_API_BAD_DATE),
        ({"date": "tomorrow", "party_size": "2"}, MSG_API_BAD_DATE),
        ({"party_size": "2"}, MSG_API_BAD_DATE),
        ({"date": "9999-12-31", "party_size": "2"}, MSG_API_BAD_DATE),
        ({"date": "0001-01-01", "party_size": "2"}, MSG_API_BAD_DATE),
        ({"date": "2032-06-04", "party_size": "2"}, MSG_API_BAD_DATE),
        ({"date": "2030-W23-2", "party_size": "2"}, MSG_API_BAD_DATE),
        ({"date": "2030-06-04", "party_size": "0"}, MSG_API_BAD_PARTY_SIZE % {"max": 50}),
        ({"date": "2030-06-04", "party_size": "100"}, MSG_API_BAD_PARTY_SIZE % {"max": 50}),
        ({"date": "2030-06-04", "party_size": "two"}, MSG_API_BAD_PARTY_SIZE % {"max": 50}),
        ({"date": "2030-06-04"}, MSG_API_BAD_PARTY_SIZE % {"max": 50}),
    ],
)
def test_availability_api_rejects_bad_input_with_a_json_error(client, restaurant, params, message):
    response = api(client, restaurant.pk, **params)
    assert response.status_code == 400
    assert response.json() == {"error": str(message)}


@pytest.mark.django_db
def test_availability_api_unknown_or_hidden_restaurant_is_a_json_404(client, restaurant):
    hidden = make_restaurant(is_visible=False)
    for pk in (hidden.pk, restaurant.pk + 1000):
        response = api(client, pk, date="2030-06-04", party_size="2")
        assert response.status_code == 404
        assert response.json() == {"error": str(MSG_API_NOT_FOUND)}


@pytest.mark.django_db
def test_availability_api_refuses_post(client, restaurant):
    response = client.post(reverse("web:availability-api", args=[restaurant.pk]))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "error" in response.json()


@pytest.mark.django_db
def test_restaurant_page_renders_slots_without_javascript(client):
    restaurant = make_restaurant(services=(time(10, 30), time(18, 0)), max_party_size=6)
    response = client.get(restaurant.get_absolute_url(), {"date": "2030-06-03", "party_size": "2"})
    assert response.status_code == 200
    content = response.content.decode()
    book_url = reverse("web:book", args=[restaurant.pk])
    assert f"{book_url}?date=2030-06-03&amp;time=18:00&amp;party_size=2" in content
    assert f"{book_url}?date=2030-06-03&amp;time=10:30" not in content
    assert str(REASON_LABELS[REASON_LEAD_TIME]) in content
    # Parties up to the restaurant's limit can be picked, and no more.
    assert '<option value="6">' in content
    assert '<option value="7">' not in content


@pytest.mark.django_db
def test_restaurant_page_defaults_to_today_and_shows_the_script(client, restaurant):
    response = client.get(restaurant.get_absolute_url())
    assert response.context["day"] == TODAY
    assert response.context["party_size"] == 2
    assert b"js/web-slot-picker.js" in response.content
    assert b"<script>" not in response.content
    assert b" onclick=" not in response.content


@pytest.mark.django_db
def test_restaurant_page_with_a_bad_date_shows_the_error_and_no_slots(client, restaurant):
    response = client.get(restaurant.get_absolute_url(), {"date": "nope", "party_size": "2"})
    assert response.status_code == 200
    assert response.context["slots"] is None
    assert response.context["picker"].errors["date"]


@pytest.mark.django_db
def test_restaurant_page_shows_the_rating_and_recent_reviews(client, restaurant, diner, other_diner):
    from bookings.models import BookingStatus, Review
    from tests.factories import make_booking

    for user, rating in ((diner, 5), (other_diner, 2)):
        booking = make_booking(
            restaurant=restaurant,
            diner=user,
            starts_at=local(restaurant, TODAY - timedelta(days=3)),
            status=BookingStatus.COMPLETED,
        )
        Review.objects.create(booking=booking, restaurant=restaurant, diner=user, rating=rating, text=f"Text {rating}")
    response = client.get(restaurant.get_absolute_url())
    assert response.context["restaurant"].rating_count == 2
    assert response.context["restaurant"].rating_avg == 3.5
    assert b"Text 5" in response.content and b"Text 2" in response.content


@pytest.mark.django_db
def test_hidden_or_unknown_restaurant_page_is_404(client):
    hidden = make_restaurant(is_visible=False)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(reverse("web:restaurant-detail", args=[hidden.pk + 1000])).status_code == 404


@pytest.mark.django_db
def test_restaurant_page_is_the_same_for_anonymous_diner_and_owner(client, restaurant, diner, operator):
    for user in (None, diner, operator):
        if user:
            client.force_login(user)
        assert client.get(restaurant.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_restaurant_page_links_to_the_next_and_previous_day_within_the_window(client):
    restaurant = make_restaurant(booking_days_ahead=2)
    content = client.get(restaurant.get_absolute_url()).content.decode()
    assert 'href="?date=2030-06-04&amp;party_size=2#book"' in content
    assert 'href="?date=2030-06-02&amp;party_size=2#book" hidden' in content  # no going back before today
    content = client.get(restaurant.get_absolute_url(), {"date": "2030-06-05", "party_size": "3"}).content.decode()
    assert 'href="?date=2030-06-04&amp;party_size=3#book">' in content
    assert 'href="?date=2030-06-06&amp;party_size=3#book" hidden' in content  # nor past the booking window


@pytest.mark.django_db
def test_reviews_never_show_a_part_of_the_diners_email(client, restaurant):
    from bookings.models import BookingStatus, Review
    from tests.factories import make_booking, make_user

    shy = make_user(email="secret.name@test.example")
    booking = make_booking(
        restaurant=restaurant,
        diner=shy,
        starts_at=local(restaurant, TODAY - timedelta(days=3)),
        status=BookingStatus.COMPLETED,
    )
    Review.objects.create(booking=booking, restaurant=restaurant, diner=shy, rating=4, text="Fine")
    content = client.get(restaurant.get_absolute_url()).content.decode()
    assert "secret.name" not in content
    assert "A diner" in content


@pytest.mark.django_db
@pytest.mark.parametrize("far", ["9999-12-31", "0001-01-01"])
def test_pages_with_a_date_far_out_of_range_say_so_instead_of_failing(client, restaurant, far):
    from web.forms import MSG_DATE_OUT_OF_RANGE

    page = client.get(restaurant.get_absolute_url(), {"date": far, "party_size": "2"})
    assert page.status_code == 200
    assert page.context["picker"].errors["date"] == [str(MSG_DATE_OUT_OF_RANGE)]
    search = client.get(reverse("web:search"), {"date": far, "party_size": "2"})
    assert search.status_code == 200
    assert search.context["form"].errors["date"] == [str(MSG_DATE_OUT_OF_RANGE)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("restaurant_zone", "site_zone", "shown"),
    [("Asia/Seoul", "UTC", "2026-11-11"), ("America/New_York", "Asia/Seoul", "2026-11-10")],
)
def test_review_dates_are_in_the_restaurants_time_zone(client, settings, diner, restaurant_zone, site_zone, shown):
    from bookings.models import BookingStatus, Review
    from tests.factories import make_booking

    settings.TIME_ZONE = site_zone
    place = make_restaurant(timezone=restaurant_zone)
    booking = make_booking(
        restaurant=place, diner=diner, starts_at=local(place, date(2026, 11, 10)), status=BookingStatus.COMPLETED
    )
    review = Review.objects.create(booking=booking, restaurant=place, diner=diner, rating=5, text="Late dinner")
    Review.objects.filter(pk=review.pk).update(created_at=datetime(2026, 11, 10, 23, 30, tzinfo=UTC))

    content = client.get(place.get_absolute_url()).content.decode()

    assert f">{shown}</time>" in content


@pytest.mark.django_db
def test_restaurant_page_in_the_evening_opens_on_tomorrow_when_today_is_over(client, frozen_now):
    restaurant = make_restaurant(services=(time(18, 0),))
    frozen_now.move_to(datetime(2030, 6, 3, 21, 30, tzinfo=restaurant.tz))
    response = client.get(restaurant.get_absolute_url())
    assert response.context["day"] == TODAY + timedelta(days=1)
    assert [s.available for s in response.context["slots"]] == [True]
    # Asking for today explicitly still shows today, greyed out.
    today = client.get(restaurant.get_absolute_url(), {"date": TODAY.isoformat(), "party_size": "2"})
    assert [s.available for s in today.context["slots"]] == [False]


@pytest.mark.django_db
def test_restaurant_page_stays_on_today_while_it_has_tables(client):
    restaurant = make_restaurant(services=(time(18, 0),))
    response = client.get(restaurant.get_absolute_url())
    assert response.context["day"] == TODAY
