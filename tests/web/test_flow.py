import re

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingStatus, SlotInventory
from tests.factories import make_category, make_restaurant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def test_diner_searches_books_and_cancels(client, diner, django_capture_on_commit_callbacks):
    category = make_category(name="Korean")
    make_restaurant(name="Seoul Kitchen", category=category, seats=6)
    make_restaurant(name="Other place", category=category, seats=1)
    client.force_login(diner)

    # Search for a table for four tomorrow: only the restaurant with room for four comes up.
    response = client.get(reverse("web:search"), {"q": "seoul", "date": "2030-06-04", "party_size": "4"})
    restaurant = response.context["page"].object_list[0]
    assert [r.name for r in response.context["page"].object_list] == ["Seoul Kitchen"]
    detail_link = re.search(r'href="(/restaurant/\d+/\?date=2030-06-04&amp;party_size=4)"', response.content.decode())

    # The restaurant page lists the slots and links each free one to the booking form.
    response = client.get(detail_link.group(1).replace("&amp;", "&"))
    book_link = re.search(r'href="(/restaurant/\d+/book/\?[^"]+)"', response.content.decode()).group(1)
    assert book_link == f"/restaurant/{restaurant.pk}/book/?date=2030-06-04&amp;time=18:00&amp;party_size=4"

    # The availability API agrees.
    slots = client.get(
        reverse("web:availability-api", args=[restaurant.pk]), {"date": "2030-06-04", "party_size": "4"}
    ).json()["slots"]
    assert slots == [{"time": "18:00", "available": True, "remaining_seats": 6}]

    # Book through the form as shown (with its one-time token).
    form = client.get(book_link.replace("&amp;", "&")).context["form"]
    data = {**form.initial, "date": "2030-06-04", "time": "18:00", "request": ""}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:book", args=[restaurant.pk]), data, follow=True)
    booking = Booking.objects.get()
    assert response.redirect_chain[-1][0] == booking.get_absolute_url()
    assert booking.party_size == 4 and booking.name == "Dana Diner"
    assert client.get(
        reverse("web:availability-api", args=[restaurant.pk]), {"date": "2030-06-04", "party_size": "4"}
    ).json()["slots"] == [{"time": "18:00", "available": False, "remaining_seats": 2}]

    # My bookings shows it as upcoming.
    response = client.get(reverse("web:booking-list"))
    assert response.context["upcoming"] == [booking]

    # Cancel: confirm, then it is gone from the seats.
    cancel_url = reverse("web:booking-cancel", args=[booking.pk])
    assert cancel_url in client.get(booking.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(cancel_url)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert SlotInventory.objects.get().seats_remaining == 6
