from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from bookings import services
from bookings.models import Booking, BookingStatus, SlotInventory
from tests.factories import local, make_booking, make_exception, make_restaurant

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
# A Wednesday noon in Seoul; tests book relative to it.
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=SEOUL)
TOMORROW = date(2026, 12, 3)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def book(restaurant, diner, *, day=TOMORROW, at="18:00", party_size=2, **extra):
    return services.booking_create(
        diner=diner,
        restaurant=restaurant,
        starts_at=local(restaurant, day, at),
        party_size=party_size,
        name="Dana",
        phone="010-1111-2222",
        **extra,
    )


def remaining(restaurant, day=TOMORROW, at="18:00"):
    return SlotInventory.objects.get(restaurant=restaurant, starts_at=local(restaurant, day, at)).seats_remaining


def walk_in(restaurant, *, at, party_size, **extra):
    """A booking entered by staff for a guest without an account."""
    return services.booking_create(
        diner=None,
        restaurant=restaurant,
        starts_at=local(restaurant, NOW.date(), at),
        party_size=party_size,
        name=extra.pop("name", "Walk-in"),
        phone="",
        by_restaurant=True,
        **extra,
    )


def refusal_code(callable_):
    with pytest.raises(ValidationError) as info:
        callable_()
    return info.value.code


def test_booking_takes_seats_and_is_confirmed(diner):
    restaurant = make_restaurant(seats=10)
    booking = book(restaurant, diner, party_size=4)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.local_starts_at == datetime(2026, 12, 3, 18, 0, tzinfo=SEOUL)
    assert len(booking.reference) == 10
    assert remaining(restaurant) == 6


def test_booking_time_is_stored_timezone_aware_in_the_restaurants_zone(diner):
    restaurant = make_restaurant()
    booking = book(restaurant, diner)
    booking.refresh_from_db()
    # 18:00 in Seoul is 09:00 UTC: the "9 hours off" bug of naive datetimes would show here.
    assert booking.starts_at.astimezone(ZoneInfo("UTC")).hour == 9


def test_refuses_a_slot_in_the_past(diner):
    restaurant = make_restaurant(services=(time(11, 0),))
    assert refusal_code(lambda: book(restaurant, diner, day=NOW.date(), at="11:00")) == "past"


def test_refuses_a_date_outside_the_booking_window(diner):
    restaurant = make_restaurant(booking_days_ahead=14)
    assert refusal_code(lambda: book(restaurant, diner, day=NOW.date() + timedelta(days=15))) == "outside_window"
    book(restaurant, diner, day=NOW.date() + timedelta(days=14))


def test_refuses_inside_the_lead_time(diner):
    restaurant = make_restaurant(services=(time(12, 30), time(14, 0)), min_lead_minutes=60)
    assert refusal_code(lambda: book(restaurant, diner, day=NOW.date(), at="12:30")) == "lead_time"
    book(restaurant, diner, day=NOW.date(), at="14:00")


def test_refuses_a_party_larger_than_the_restaurant_takes(diner):
    restaurant = make_restaurant(max_party_size=6)
    with pytest.raises(ValidationError) as info:
        book(restaurant, diner, party_size=7)
    assert info.value.code == "party_too_large"
    assert "up to 6" in info.value.messages[0]


def test_refuses_a_closed_date(diner):
    restaurant = make_restaurant()
    make_exception(restaurant=restaurant, date=TOMORROW, closed=True)
    assert refusal_code(lambda: book(restaurant, diner)) == "closed"


def test_refuses_a_weekday_without_services(diner):
    restaurant = make_restaurant(weekdays=[0])  # Mondays only; tomorrow is a Thursday
    assert refusal_code(lambda: book(restaurant, diner)) == "closed"


def test_special_hours_replace_the_weekly_template(diner):
    restaurant = make_restaurant(services=(time(18, 0),))
    make_exception(restaurant=restaurant, date=TOMORROW, services=[(time(20, 0), 4)])
    assert refusal_code(lambda: book(restaurant, diner, at="18:00")) == "no_service"
    book(restaurant, diner, at="20:00", party_size=4)
    assert remaining(restaurant, at="20:00") == 0


def test_refuses_when_not_enough_seats(diner, other_diner):
    restaurant = make_restaurant(seats=5)
    book(restaurant, other_diner, party_size=4)
    with pytest.raises(ValidationError) as info:
        book(restaurant, diner, party_size=2)
    assert info.value.code == "not_enough_seats"
    assert info.value.messages[0] == str(services.MSG_NOT_ENOUGH_SEATS)
    assert remaining(restaurant) == 1


def test_refuses_an_overlapping_booking_by_the_same_diner(diner):
    restaurant = make_restaurant(services=(time(18, 0), time(19, 0), time(21, 0)), visit_minutes=90)
    book(restaurant, diner, at="18:00")
    assert refusal_code(lambda: book(restaurant, diner, at="18:00")) == "overlap"
    assert refusal_code(lambda: book(restaurant, diner, at="19:00")) == "overlap"
    book(restaurant, diner, at="21:00")


def test_same_idempotency_key_returns_the_first_booking(diner):
    restaurant = make_restaurant(seats=10)
    first = book(restaurant, diner, idempotency_key="form-token-1")
    again = book(restaurant, diner, idempotency_key="form-token-1")
    assert again.pk == first.pk
    assert Booking.objects.count() == 1
    assert remaining(restaurant) == 8


def test_confirmation_email_is_sent_after_commit(diner, django_capture_on_commit_callbacks):
    restaurant = make_restaurant()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(restaurant, diner)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert booking.reference in message.subject
    assert "2026-12-03 18:00" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert message.attachments[0][0].endswith(".ics")
    assert "DTSTART:20261203T090000Z" in message.attachments[0][1]


def test_cancelling_twice_returns_the_seats_once(diner):
    restaurant = make_restaurant(seats=10)
    booking = book(restaurant, diner, party_size=3)
    assert remaining(restaurant) == 7
    services.booking_cancel(booking=booking, by=diner)
    assert remaining(restaurant) == 10
    stale_copy = Booking.objects.get(pk=booking.pk)
    stale_copy.status = BookingStatus.CONFIRMED  # a second request still holding the old state
    with pytest.raises(ValidationError) as info:
        services.booking_cancel(booking=stale_copy, by=diner)
    assert info.value.code == "not_cancellable"
    assert remaining(restaurant) == 10


def test_diner_cannot_cancel_after_the_cutoff(diner):
    restaurant = make_restaurant(services=(time(14, 0),), cancel_cutoff_hours=3, min_lead_minutes=30)
    booking = book(restaurant, diner, day=NOW.date(), at="14:00")
    with pytest.raises(ValidationError) as info:
        services.booking_cancel(booking=booking, by=diner)
    assert info.value.code == "cancel_cutoff"
    assert "3 hours" in info.value.messages[0]
    # The restaurant itself may still cancel.
    services.booking_cancel(booking=booking, by=None, by_restaurant=True, reason="Kitchen flooded")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED


def test_diner_cannot_cancel_someone_elses_booking(diner, other_diner):
    restaurant = make_restaurant()
    booking = book(restaurant, diner)
    assert refusal_code(lambda: services.booking_cancel(booking=booking, by=other_diner)) == "not_owner"


def test_cancellation_email_names_the_reason(diner, operator, django_capture_on_commit_callbacks):
    restaurant = make_restaurant()
    booking = book(restaurant, diner)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_set_status(booking=booking, status="cancelled", by=operator, reason="Private event")
    assert "Private event" in mail.outbox[-1].body


def test_status_changes_follow_the_allowed_transitions(diner, operator):
    restaurant = make_restaurant()
    booking = book(restaurant, diner)
    services.booking_set_status(booking=booking, status="seated", by=operator)
    assert refusal_code(lambda: services.booking_set_status(booking=booking, status="no_show", by=operator)) == (
        "bad_transition"
    )
    services.booking_set_status(booking=booking, status="completed", by=operator)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.COMPLETED


def test_review_only_after_completion_and_only_once(diner):
    restaurant = make_restaurant()
    booking = make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, TOMORROW))
    assert refusal_code(lambda: services.review_create(booking=booking, diner=diner, rating=5)) == "not_completed"
    booking.status = BookingStatus.COMPLETED
    booking.save()
    services.review_create(booking=booking, diner=diner, rating=5, text="Great")
    assert refusal_code(lambda: services.review_create(booking=booking, diner=diner, rating=4)) == "review_exists"


def test_review_rating_is_validated(diner):
    restaurant = make_restaurant()
    booking = make_booking(
        restaurant=restaurant, diner=diner, starts_at=local(restaurant, TOMORROW), status="completed"
    )
    assert refusal_code(lambda: services.review_create(booking=booking, diner=diner, rating=6)) == "bad_rating"


def test_availability_marks_each_slot_with_its_reason(diner):
    restaurant = make_restaurant(
        services=(time(12, 30), time(18, 0), time(20, 0)), seats=4, min_lead_minutes=60, max_party_size=6
    )
    book(restaurant, diner, day=NOW.date(), at="18:00", party_size=4)
    slots = services.availability(restaurant=restaurant, day=NOW.date(), party_size=2)
    assert [(s.time_label, s.reason, s.seats_remaining) for s in slots] == [
        ("12:30", "lead_time", 4),
        ("18:00", "full", 0),
        ("20:00", "", 4),
    ]
    too_big = services.availability(restaurant=restaurant, day=NOW.date(), party_size=7)
    assert {s.reason for s in too_big} == {"party_too_large"}


def test_staff_walk_in_skips_online_only_rules_but_not_seats(operator):
    restaurant = make_restaurant(services=(time(11, 45),), seats=12, max_party_size=6, min_lead_minutes=60)
    # The service started 15 minutes ago; a party of 10 walks in.
    booked = walk_in(restaurant, at="11:45", party_size=10, created_by=operator)
    assert booked.diner is None and booked.created_by == operator
    assert remaining(restaurant, day=NOW.date(), at="11:45") == 2
    refused = refusal_code(lambda: walk_in(restaurant, at="11:45", party_size=3, name="Too many"))
    assert refused == "not_enough_seats"


def test_staff_cannot_book_a_service_long_over(operator):
    restaurant = make_restaurant(services=(time(9, 0),), visit_minutes=90)
    code = refusal_code(lambda: walk_in(restaurant, at="09:00", party_size=2, name="Late"))
    assert code == "past"


def test_diner_online_booking_still_follows_lead_time_and_party_limit(diner):
    restaurant = make_restaurant(services=(time(12, 30),), max_party_size=6, min_lead_minutes=60)
    assert refusal_code(lambda: book(restaurant, diner, day=NOW.date(), at="12:30")) == "lead_time"
