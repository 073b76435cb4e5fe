from datetime import date, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from bookings import services
from bookings.models import Booking, BookingStatus, SlotInventory
from tests.factories import local, make_booking, make_exception, make_restaurant
from web.views import MSG_BOOKED, MSG_CANCELLED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TOMORROW = date(2030, 6, 4)


def book_url(restaurant):
    return reverse("web:book", args=[restaurant.pk])


def form_data(**overrides):
    data = {
        "date": TOMORROW.isoformat(),
        "time": "18:00",
        "party_size": "2",
        "name": "Dana Diner",
        "phone": "010-1111-2222",
        "request": "Window table, please",
        "form_token": "token-0123456789abcdef",
    }
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_log_in_and_back_to_the_booking_form(client, restaurant):
    url = book_url(restaurant) + "?date=2030-06-04&time=18:00&party_size=3"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=" in response["Location"]
    response = client.post(book_url(restaurant), form_data())
    assert response.status_code == 302
    assert Booking.objects.count() == 0


def test_booking_form_is_prefilled_from_the_slot_and_the_profile(client, diner, restaurant):
    client.force_login(diner)
    response = client.get(book_url(restaurant), {"date": "2030-06-04", "time": "18:00", "party_size": "3"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["date"] == TOMORROW
    assert form.initial["time"] == "18:00"
    assert form.initial["party_size"] == 3
    assert form.initial["name"] == "Dana Diner"
    assert form.initial["phone"] == "010-1111-2222"
    assert len(form.initial["form_token"]) >= 16
    # A fresh token for every form shown.
    assert client.get(book_url(restaurant)).context["form"].initial["form_token"] != form.initial["form_token"]


def test_booking_makes_a_booking_shows_the_confirmation_and_emails(
    client, diner, restaurant, django_capture_on_commit_callbacks
):
    client.force_login(diner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(book_url(restaurant), form_data(), follow=True)
    booking = Booking.objects.get()
    assert response.redirect_chain[-1][0] == booking.get_absolute_url()
    assert (booking.diner, booking.party_size, booking.request) == (diner, 2, "Window table, please")
    assert booking.starts_at == local(restaurant, TOMORROW, "18:00")
    content = response.content.decode()
    assert booking.reference in content
    assert "2030-06-04 18:00" in content  # restaurant local time
    assert str(MSG_BOOKED) in content
    assert len(mail.outbox) == 1 and booking.reference in mail.outbox[0].subject
    assert SlotInventory.objects.get().seats_remaining == 18


def test_confirmation_shows_the_restaurants_own_time_zone(client, diner):
    restaurant = make_restaurant(timezone="Europe/Paris")
    client.force_login(diner)
    client.post(book_url(restaurant), form_data(date="2030-06-05"))
    booking = Booking.objects.get()
    assert booking.starts_at.isoformat() == "2030-06-05T16:00:00+00:00"
    response = client.get(booking.get_absolute_url())
    assert "2030-06-05 18:00" in response.content.decode()
    assert "Europe/Paris" in response.content.decode()


def test_double_submit_of_the_same_form_makes_one_booking(client, diner, restaurant):
    client.force_login(diner)
    first = client.post(book_url(restaurant), form_data())
    second = client.post(book_url(restaurant), form_data())
    assert Booking.objects.count() == 1
    assert first["Location"] == second["Location"] == Booking.objects.get().get_absolute_url()
    assert SlotInventory.objects.get().seats_remaining == 18


def test_same_token_from_another_diner_does_not_reach_the_first_booking(client, diner, other_diner, restaurant):
    client.force_login(diner)
    client.post(book_url(restaurant), form_data())
    client.force_login(other_diner)
    response = client.post(book_url(restaurant), form_data())
    assert Booking.objects.count() == 2
    assert Booking.objects.get(diner=other_diner).get_absolute_url() == response["Location"]


def test_missing_form_token_is_refused_with_a_message_and_a_fresh_token(client, diner, restaurant):
    from web.views import MSG_FORM_TOKEN_RENEWED

    client.force_login(diner)
    response = client.post(book_url(restaurant), form_data(form_token=""))
    assert response.status_code == 200
    assert str(MSG_FORM_TOKEN_RENEWED) in response.content.decode()
    assert Booking.objects.count() == 0
    # The page carries a new token, so submitting it again books the table.
    fresh = response.context["form"]["form_token"].value()
    assert len(fresh) >= 16
    again = client.post(book_url(restaurant), form_data(form_token=fresh))
    assert again.status_code == 302
    assert Booking.objects.count() == 1


def test_same_token_with_changed_details_books_the_new_details(client, diner, restaurant):
    # The diner books, goes Back, changes the date and submits the same page again.
    client.force_login(diner)
    client.post(book_url(restaurant), form_data())
    later = client.post(book_url(restaurant), form_data(date=(TOMORROW + timedelta(days=1)).isoformat()))
    assert Booking.objects.count() == 2
    assert later["Location"] == Booking.objects.latest("pk").get_absolute_url()


def test_same_token_for_a_clashing_time_is_refused_not_answered_with_the_first_booking(client, diner, restaurant):
    client.force_login(diner)
    client.post(book_url(restaurant), form_data(party_size="2"))
    changed = client.post(book_url(restaurant), form_data(party_size="4"))
    assert changed.status_code == 200
    assert str(services.MSG_OVERLAP) in changed.context["form"].non_field_errors()
    assert list(Booking.objects.values_list("party_size", flat=True)) == [2]


def assert_refused_keeping_the_form(response, message):
    assert response.status_code == 200
    form = response.context["form"]
    assert str(message) in form.non_field_errors()
    assert str(message) in response.content.decode()
    # What the diner typed is still there.
    assert form.data["request"] == "Window table, please"
    assert 'value="Dana Diner"' in response.content.decode()


def test_slot_just_taken_is_refused_with_the_form_kept(client, diner, restaurant):
    SlotInventory.objects.create(
        restaurant=restaurant, starts_at=local(restaurant, TOMORROW), seats_total=20, seats_remaining=1
    )
    client.force_login(diner)
    response = client.post(book_url(restaurant), form_data())
    assert_refused_keeping_the_form(response, services.MSG_NOT_ENOUGH_SEATS)
    assert Booking.objects.count() == 0


def test_party_too_large_is_refused_with_the_form_kept(client, diner):
    restaurant = make_restaurant(max_party_size=4)
    client.force_login(diner)
    response = client.post(book_url(restaurant), form_data(party_size="6"))
    assert_refused_keeping_the_form(response, services.MSG_PARTY_TOO_LARGE % {"max": 4})


def test_closed_day_is_refused_with_the_form_kept(client, diner, restaurant):
    make_exception(restaurant=restaurant, date=TOMORROW, closed=True)
    client.force_login(diner)
    assert_refused_keeping_the_form(client.post(book_url(restaurant), form_data()), services.MSG_CLOSED)


def test_too_soon_is_refused_with_the_form_kept(client, diner):
    restaurant = make_restaurant(services=(time(10, 30),))
    client.force_login(diner)
    response = client.post(book_url(restaurant), form_data(date="2030-06-03", time="10:30"))
    assert_refused_keeping_the_form(response, services.MSG_LEAD_TIME % {"minutes": 60})


def test_overlapping_booking_is_refused_with_the_form_kept(client, diner, restaurant):
    client.force_login(diner)
    client.post(book_url(restaurant), form_data())
    response = client.post(book_url(restaurant), form_data(form_token="another-token-0123456789"))
    assert_refused_keeping_the_form(response, services.MSG_OVERLAP)
    assert Booking.objects.count() == 1


def test_booking_refuses_other_methods_and_hidden_restaurants(client, diner):
    hidden = make_restaurant(is_visible=False)
    client.force_login(diner)
    assert client.post(book_url(hidden), form_data()).status_code == 404
    assert client.put(book_url(hidden)).status_code == 405


def test_my_bookings_lists_upcoming_and_past_of_this_diner_only(client, diner, other_diner, restaurant):
    upcoming = make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, TOMORROW))
    past = make_booking(
        restaurant=restaurant,
        diner=diner,
        starts_at=local(restaurant, TOMORROW - timedelta(days=5)),
        status=BookingStatus.COMPLETED,
    )
    theirs = make_booking(restaurant=restaurant, diner=other_diner, starts_at=local(restaurant, TOMORROW))
    client.force_login(diner)
    response = client.get(reverse("web:booking-list"))
    assert response.context["upcoming"] == [upcoming]
    assert response.context["past"] == [past]
    assert theirs.reference not in response.content.decode()
    assert reverse("web:review-create", args=[past.pk]) in response.content.decode()


def test_my_bookings_needs_log_in(client):
    response = client.get(reverse("web:booking-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_booking_detail_access(client, diner, other_diner, operator, restaurant):
    booking = make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, TOMORROW))
    url = booking.get_absolute_url()
    assert client.get(url).status_code == 302  # anonymous: log in first
    client.force_login(other_diner)
    assert client.get(url).status_code == 404
    client.force_login(operator)  # the restaurant's owner uses the office, not the diner page
    assert client.get(url).status_code == 404
    client.force_login(diner)
    response = client.get(url)
    assert response.status_code == 200
    assert booking.reference in response.content.decode()


def test_cancel_asks_first_then_cancels_on_post(client, diner, restaurant, django_capture_on_commit_callbacks):
    client.force_login(diner)
    client.post(book_url(restaurant), form_data())
    booking = Booking.objects.get()
    url = reverse("web:booking-cancel", args=[booking.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"Yes, cancel the booking" in response.content
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED  # a GET changes nothing
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert str(MSG_CANCELLED) in response.content.decode()
    assert SlotInventory.objects.get().seats_remaining == 20
    assert len(mail.outbox) == 1


def test_cancel_after_the_cutoff_is_refused_with_the_reason(client, diner, restaurant, frozen_now):
    booking = make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, date(2030, 6, 3), "12:00"))
    client.force_login(diner)
    url = reverse("web:booking-cancel", args=[booking.pk])
    message = services.MSG_CANCEL_CUTOFF % {"hours": 3}
    assert message in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 200
    assert message in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_cancel_access(client, diner, other_diner, operator, restaurant):
    booking = make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, TOMORROW))
    url = reverse("web:booking-cancel", args=[booking.pk])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    for intruder in (other_diner, operator):
        client.force_login(intruder)
        assert client.post(url).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_cancelled_booking_cannot_be_cancelled_again(client, diner, restaurant):
    booking = make_booking(
        restaurant=restaurant, diner=diner, starts_at=local(restaurant, TOMORROW), status=BookingStatus.CANCELLED
    )
    client.force_login(diner)
    response = client.post(reverse("web:booking-cancel", args=[booking.pk]))
    assert services.MSG_NOT_CANCELLABLE % {"status": "cancelled"} in response.content.decode()


def test_later_visit_moves_from_upcoming_to_past(client, diner, restaurant):
    booking = make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, TOMORROW))
    client.force_login(diner)
    with time_machine.travel(local(restaurant, TOMORROW + timedelta(days=1)), tick=False):
        response = client.get(reverse("web:booking-list"))
    assert response.context["past"] == [booking]
    assert response.context["upcoming"] == []


def test_booking_form_offers_the_days_services_as_times(client, diner):
    restaurant = make_restaurant(services=(time(12, 0), time(18, 0)), seats=3)
    client.force_login(diner)
    response = client.get(book_url(restaurant), {"date": "2030-06-04", "time": "18:00", "party_size": "3"})
    content = response.content.decode()
    assert '<option value="18:00" selected>18:00 (3 seats left)</option>' in content
    assert '<option value="12:00">12:00 (3 seats left)</option>' in content
    response = client.post(book_url(restaurant), form_data(party_size="4"))
    assert '<option value="18:00" selected disabled>18:00 (not enough seats left)</option>' in response.content.decode()
