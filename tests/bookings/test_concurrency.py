from datetime import time, timedelta

from django.utils import timezone

from bookings import services
from bookings.models import Booking, SlotInventory
from tests.concurrency import POSTGRES_RACE_MARKS, race
from tests.factories import local, make_restaurant, make_user

pytestmark = POSTGRES_RACE_MARKS


def book(*, diner, restaurant, starts_at):
    def call():
        services.booking_create(
            diner=diner, restaurant=restaurant, starts_at=starts_at, party_size=2, name="x", phone="1"
        )
        return "booked"

    return call


def test_last_seat_is_sold_once_under_concurrency():
    restaurant = make_restaurant(seats=10, services=(time(19, 0),))
    starts_at = local(restaurant, restaurant.local_today() + timedelta(days=2), "19:00")

    outcomes = race([book(diner=make_user(), restaurant=restaurant, starts_at=starts_at) for _ in range(20)])

    assert sorted(set(outcomes)) == ["booked", "not_enough_seats"], outcomes
    assert outcomes.count("booked") == 5
    assert Booking.objects.filter(restaurant=restaurant).count() == 5
    assert SlotInventory.objects.get(restaurant=restaurant, starts_at=starts_at).seats_remaining == 0
    assert timezone.is_aware(Booking.objects.first().starts_at)


def test_one_diner_racing_for_overlapping_times_gets_one_booking():
    times = ("18:00", "18:15", "18:30", "18:45", "19:00", "19:15")
    restaurant = make_restaurant(seats=20, services=[time(*map(int, t.split(":"))) for t in times], visit_minutes=120)
    day = restaurant.local_today() + timedelta(days=2)
    diner = make_user()

    outcomes = race([book(diner=diner, restaurant=restaurant, starts_at=local(restaurant, day, t)) for t in times])

    assert sorted(outcomes) == ["booked"] + ["overlap"] * (len(times) - 1), outcomes
    assert Booking.objects.filter(diner=diner).count() == 1
