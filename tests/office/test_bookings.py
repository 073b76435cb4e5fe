import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from bookings import services
from bookings.models import Booking, BookingStatus, SlotInventory
from office.forms import MSG_REASON_NEEDED, MSG_WALK_IN_TOKEN_RENEWED
from tests.factories import local, make_booking


@pytest.fixture
def booking(restaurant, diner, django_capture_on_commit_callbacks):
    day = restaurant.local_today() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.booking_create(
            diner=diner, restaurant=restaurant, starts_at=local(restaurant, day), party_size=4, name="Dana", phone="010"
        )
    mail.outbox.clear()
    return booking


def post_status(client, booking, status, reason="", capture=None):
    url = reverse("office:booking-detail", args=[booking.pk])
    with capture(execute=True):
        return client.post(url, {"status": status, "reason": reason})


def test_cancel_by_restaurant_emails_the_diner_with_the_reason(
    client, staff_member, booking, diner, django_capture_on_commit_callbacks
):
    client.force_login(staff_member)
    response = post_status(
        client, booking, "cancelled", "Kitchen flooded, we are so sorry", django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancelled_by == staff_member
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [diner.email]
    assert "Kitchen flooded, we are so sorry" in mail.outbox[0].body
    inventory = SlotInventory.objects.get(restaurant=booking.restaurant, starts_at=booking.starts_at)
    assert inventory.seats_remaining == inventory.seats_total  # seats given back


def test_cancel_needs_a_reason(client, operator, booking, django_capture_on_commit_callbacks):
    client.force_login(operator)
    response = post_status(client, booking, "cancelled", "", django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert str(MSG_REASON_NEEDED) in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert mail.outbox == []


def test_no_show_and_completed_email_the_diner(client, operator, booking, diner, django_capture_on_commit_callbacks):
    client.force_login(operator)
    post_status(client, booking, "no_show", capture=django_capture_on_commit_callbacks)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW
    assert len(mail.outbox) == 1

    post_status(client, booking, "confirmed", capture=django_capture_on_commit_callbacks)  # marked by mistake
    post_status(client, booking, "seated", capture=django_capture_on_commit_callbacks)
    post_status(client, booking, "completed", capture=django_capture_on_commit_callbacks)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    assert [m.to for m in mail.outbox] == [[diner.email]] * 2  # no-show, completed; seating sends nothing


def test_status_not_allowed_from_here_is_refused(client, operator, booking, django_capture_on_commit_callbacks):
    client.force_login(operator)
    post_status(client, booking, "completed", capture=django_capture_on_commit_callbacks)
    response = post_status(client, booking, "seated", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 400
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED


WALK_IN_TOKEN = "walk-in-form-token-1"


def walk_in_data(restaurant, day, party_size=3, form_token=WALK_IN_TOKEN):
    return {
        "date": day.isoformat(),
        "time": "18:00",
        "party_size": party_size,
        "name": "Mr Kim",
        "phone": "010-9",
        "form_token": form_token,
    }


def test_phone_booking_for_a_guest_without_account(
    client, staff_member, restaurant, booking, django_capture_on_commit_callbacks
):
    client.force_login(staff_member)
    day = booking.local_starts_at.date()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("office:booking-create", args=[restaurant.pk]), walk_in_data(restaurant, day))
    created = Booking.objects.get(name="Mr Kim")
    assert response.status_code == 302
    assert response["Location"] == reverse("office:booking-detail", args=[created.pk])
    assert created.diner is None
    assert created.created_by == staff_member
    assert mail.outbox == []  # nobody to email
    inventory = SlotInventory.objects.get(restaurant=restaurant, starts_at=booking.starts_at)
    assert inventory.seats_remaining == 20 - 4 - 3


def test_the_same_walk_in_form_sent_twice_makes_one_booking(client, staff_member, restaurant):
    client.force_login(staff_member)
    url = reverse("office:booking-create", args=[restaurant.pk])
    form_page = client.get(url)
    token = form_page.context["form"]["form_token"].value()
    assert f'value="{token}"' in form_page.content.decode()
    day = restaurant.local_today() + timedelta(days=2)

    first = client.post(url, walk_in_data(restaurant, day, form_token=token))
    second = client.post(url, walk_in_data(restaurant, day, form_token=token))

    booking = Booking.objects.get(name="Mr Kim")
    assert first["Location"] == second["Location"] == reverse("office:booking-detail", args=[booking.pk])
    inventory = SlotInventory.objects.get(restaurant=restaurant, starts_at=local(restaurant, day))
    assert inventory.seats_remaining == 20 - 3


def test_a_walk_in_form_resent_with_other_details_books_those(client, staff_member, restaurant):
    client.force_login(staff_member)
    url = reverse("office:booking-create", args=[restaurant.pk])
    day = restaurant.local_today() + timedelta(days=2)

    client.post(url, walk_in_data(restaurant, day, party_size=3))
    client.post(url, walk_in_data(restaurant, day, party_size=5))

    assert sorted(Booking.objects.filter(name="Mr Kim").values_list("party_size", flat=True)) == [3, 5]


def test_a_walk_in_form_without_its_token_is_renewed_not_booked(client, staff_member, restaurant):
    client.force_login(staff_member)
    data = walk_in_data(restaurant, restaurant.local_today() + timedelta(days=2))
    del data["form_token"]

    response = client.post(reverse("office:booking-create", args=[restaurant.pk]), data)

    assert response.status_code == 400
    assert str(MSG_WALK_IN_TOKEN_RENEWED) in response.content.decode()
    assert len(response.context["form"].data["form_token"]) >= 16
    assert not Booking.objects.filter(name="Mr Kim").exists()


def test_phone_booking_follows_the_same_seat_rules(client, operator, restaurant, booking):
    client.force_login(operator)
    day = booking.local_starts_at.date()
    response = client.post(
        reverse("office:booking-create", args=[restaurant.pk]), walk_in_data(restaurant, day, party_size=17)
    )
    assert response.status_code == 400
    assert Booking.objects.filter(name="Mr Kim").count() == 0

    restaurant.max_party_size = 20
    restaurant.save()
    response = client.post(
        reverse("office:booking-create", args=[restaurant.pk]), walk_in_data(restaurant, day, party_size=17)
    )
    assert response.status_code == 400
    assert "not enough seats left" in response.content.decode()


def test_csv_export_of_a_day(client, operator, restaurant, booking, diner):
    make_booking(restaurant=restaurant, diner=None, starts_at=booking.starts_at, name="=HYPERLINK(evil)")
    client.force_login(operator)
    day = booking.local_starts_at.date()
    response = client.get(reverse("office:booking-export"), {"restaurant": restaurant.pk, "date": day.isoformat()})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"{day.isoformat()}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Time", "Reference", "Party size"]
    assert rows[1][:4] == ["18:00", booking.reference, "4", "Dana"]
    assert rows[1][5] == diner.email
    assert rows[2][3] == "'=HYPERLINK(evil)"  # never a live formula in a spreadsheet
    assert len(rows) == 3


def test_filter_by_date_and_status_in_the_restaurants_local_day(client, operator, restaurant, diner):
    day = restaurant.local_today() + timedelta(days=5)
    late = make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, day, "23:30"), name="Late")
    make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, day + timedelta(days=1), "00:30"))
    gone = make_booking(
        restaurant=restaurant,
        diner=diner,
        starts_at=local(restaurant, day, "12:00"),
        status=BookingStatus.CANCELLED,
        name="Gone",
    )
    client.force_login(operator)
    response = client.get(reverse("office:booking-list"), {"date": day.isoformat()})
    assert [b.pk for b in response.context["page"].object_list] == [gone.pk, late.pk]  # not the 00:30 next day
    assert late.reference in response.content.decode()
    page = client.get(reverse("office:booking-list"), {"date": day.isoformat(), "status": "cancelled"}).content.decode()
    assert gone.reference in page and late.reference not in page


def test_booking_list_is_paginated_with_a_fixed_query_count(
    client, operator, restaurant, diner, django_assert_max_num_queries
):
    day = restaurant.local_today() + timedelta(days=1)
    Booking.objects.bulk_create(
        Booking(restaurant=restaurant, diner=None, starts_at=local(restaurant, day), party_size=2, name=f"G{i}")
        for i in range(60)
    )
    client.force_login(operator)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("office:booking-list"))
    assert "Page 1 of 2" in response.content.decode()


def test_dashboard_counts_today_and_seats_per_service(client, operator, restaurant, diner, other_diner):
    today = restaurant.local_today()
    with time_machine.travel(local(restaurant, today, "09:00"), tick=False):
        services.booking_create(
            diner=diner, restaurant=restaurant, starts_at=local(restaurant, today), party_size=5, name="A", phone="1"
        )
        make_booking(
            restaurant=restaurant,
            diner=other_diner,
            starts_at=local(restaurant, today, "12:00"),
            status=BookingStatus.NO_SHOW,
        )
        make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, today + timedelta(days=3)))
        client.force_login(operator)
        response = client.get(reverse("office:dashboard"))
    context = response.context
    counts = dict(context["status_counts"])
    assert counts["Confirmed"] == 1 and counts["No-show"] == 1 and counts["Cancelled"] == 0
    assert len(context["todays_bookings"]) == 2
    assert len(context["upcoming"]) == 1
    (rest, slots), *_ = context["services_today"]
    assert rest == restaurant
    assert [(s.time_label, s.seats_booked, s.seats_total) for s in slots] == [("18:00", 5, 20)]


def test_dashboard_query_count_does_not_grow_with_restaurants(client, operator, diner, django_assert_max_num_queries):
    from tests.factories import make_restaurant

    for _ in range(4):
        restaurant = make_restaurant(owner=operator)
        make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, restaurant.local_today()))
    client.force_login(operator)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("office:dashboard")).status_code == 200
