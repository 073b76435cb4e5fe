from datetime import time, timedelta

from django.db.models import Sum

from bookings import services
from bookings.models import Booking, SeatingTemplate, SlotInventory
from tests.concurrency import POSTGRES_RACE_MARKS, race
from tests.factories import local, make_restaurant, make_user

pytestmark = POSTGRES_RACE_MARKS


def test_seat_cut_racing_bookings_never_leaves_more_booked_than_offered():
    restaurant = make_restaurant(seats=20, services=(time(19, 0),))
    starts_at = local(restaurant, restaurant.local_today() + timedelta(days=2), "19:00")
    diners = [make_user() for _ in range(10)]
    services.booking_create(
        diner=diners.pop(), restaurant=restaurant, starts_at=starts_at, party_size=2, name="first", phone="1"
    )

    def book(diner):
        def call():
            services.booking_create(
                diner=diner, restaurant=restaurant, starts_at=starts_at, party_size=2, name="x", phone="1"
            )
            return "ok"

        return call

    def cut():
        services.seating_weekly_set(restaurant=restaurant, services=[(w, time(19, 0), 10) for w in range(7)])
        return "ok"

    outcomes = race([book(d) for d in diners] + [cut])

    assert set(outcomes) <= {"ok", "not_enough_seats", "seats_below_booked"}, outcomes
    inventory = SlotInventory.objects.get(restaurant=restaurant, starts_at=starts_at)
    booked = Booking.objects.active().filter(restaurant=restaurant).aggregate(n=Sum("party_size"))["n"]
    assert inventory.seats_total - inventory.seats_remaining == booked
    assert inventory.seats_remaining >= 0
    offered = set(SeatingTemplate.objects.filter(restaurant=restaurant).values_list("seats", flat=True))
    assert offered == {inventory.seats_total}  # schedule and inventory agree, whichever won
