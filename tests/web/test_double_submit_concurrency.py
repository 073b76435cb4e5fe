from datetime import timedelta

from django.test import Client
from django.urls import reverse

from bookings.models import Booking, SlotInventory
from tests.concurrency import POSTGRES_RACE_MARKS, race
from tests.factories import make_restaurant, make_user

pytestmark = POSTGRES_RACE_MARKS


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
    url = reverse("web:book", args=[restaurant.pk])

    def submit(client):
        def call():
            response = client.post(url, data)
            return (response.status_code, response.get("Location"))

        return call

    answers = race([submit(c) for c in clients])

    booking = Booking.objects.get()
    assert answers == [(302, booking.get_absolute_url())] * count
    assert SlotInventory.objects.get().seats_remaining == 18
