import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from bookings.models import Booking, Category, Restaurant, RestaurantMember, RestaurantPhoto, Review, SeatingTemplate

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Category, Restaurant, RestaurantPhoto, RestaurantMember, SeatingTemplate, Booking, Review)
    }


def test_seed_demo_is_idempotent_and_complete(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert first["Restaurant"] >= 12
    assert first["Category"] >= 4
    assert all(r.photos.count() >= 3 for r in Restaurant.objects.all())
    assert Booking.objects.filter(status="completed").exists() and Booking.objects.filter(status="confirmed").exists()
    assert first["Review"] > 0
    assert authenticate(username="diner@example.com", password="tablebookings-demo") is not None
    owner = authenticate(username="owner@example.com", password="tablebookings-demo")
    assert RestaurantMember.objects.filter(user=owner, role="owner").exists()
    out = capsys.readouterr().out
    assert "diner@example.com" in out and "owner@example.com" in out
