import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from bookings.models import Booking, SlotInventory
from tests.factories import make_restaurant, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (CI does)",
    ),
]


def test_the_same_form_sent_many_times_at_once_books_once_and_every_answer_shows_that_booking():
    diner = make_user()
    restaurant = make_restaurant(seats=20)
    day = restaurant.local_today() + timedelta(days=2)
    data = {
        "date": day.isoformat(),
        "time": "18:00",
        "party_size": "2",
        "name": "Impatient",
        "phone": "010",
        "request": "",
        "form_token": "one-form-token-0123456789",
    }
    count = 8
    clients = []
    for _ in range(count):
        client = Client()
        client.force_login(diner)
        clients.append(client)
    barrier = threading.Barrier(count)
    answers = []
    lock = threading.Lock()

    def submit(client):
        try:
            barrier.wait()
            response = client.post(reverse("web:book", args=[restaurant.pk]), data)
            result = (response.status_code, response.get("Location"))
        except Exception as exc:  # anything else is a bug the test must show
            result = repr(exc)
        finally:
            connections.close_all()
        with lock:
            answers.append(result)

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    booking = Booking.objects.get()
    assert answers == [(302, booking.get_absolute_url())] * count
    assert SlotInventory.objects.get().seats_remaining == 18
