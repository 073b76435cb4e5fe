import threading
from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from bookings import services
from bookings.models import Booking, SlotInventory
from tests.factories import local, make_restaurant, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (CI does)",
    ),
]


def test_last_seat_is_sold_once_under_concurrency():
    restaurant = make_restaurant(seats=10, services=(time(19, 0),))
    day = restaurant.local_today() + timedelta(days=2)
    starts_at = local(restaurant, day, "19:00")
    diners = [make_user() for _ in range(20)]
    barrier = threading.Barrier(20)
    outcomes = []
    lock = threading.Lock()

    def attempt(diner):
        try:
            barrier.wait()
            services.booking_create(
                diner=diner, restaurant=restaurant, starts_at=starts_at, party_size=2, name="x", phone="1"
            )
            result = "booked"
        except ValidationError as exc:
            result = exc.code
        except Exception as exc:  # anything else is a bug the test must show
            result = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(d,)) for d in diners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(set(outcomes)) == ["booked", "not_enough_seats"], outcomes
    assert outcomes.count("booked") == 5
    assert Booking.objects.filter(restaurant=restaurant).count() == 5
    assert SlotInventory.objects.get(restaurant=restaurant, starts_at=starts_at).seats_remaining == 0
    assert timezone.is_aware(Booking.objects.first().starts_at)


def test_one_diner_racing_for_overlapping_times_gets_one_booking():
    times = (time(18, 0), time(18, 15), time(18, 30), time(18, 45), time(19, 0), time(19, 15))
    restaurant = make_restaurant(seats=20, services=times, visit_minutes=120)
    day = restaurant.local_today() + timedelta(days=2)
    diner = make_user()
    barrier = threading.Barrier(len(times))
    outcomes = []
    lock = threading.Lock()

    def attempt(start):
        try:
            barrier.wait()
            services.booking_create(
                diner=diner,
                restaurant=restaurant,
                starts_at=local(restaurant, day, start.strftime("%H:%M")),
                party_size=2,
                name="x",
                phone="1",
            )
            result = "booked"
        except ValidationError as exc:
            result = exc.code
        except Exception as exc:
            result = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(t,)) for t in times]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == ["booked"] + ["overlap"] * (len(times) - 1), outcomes
    assert Booking.objects.filter(diner=diner).count() == 1
