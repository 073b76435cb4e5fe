from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bookings import notifications, services
from bookings.models import Booking, Category, Restaurant, RestaurantMember, RestaurantPhoto, Review, SeatingTemplate
from tests.factories import local

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Category, Restaurant, RestaurantPhoto, RestaurantMember, SeatingTemplate, Booking, Review)
    }


@pytest.mark.django_db(transaction=True)  # real commits: the demo bookings' emails would run when seed_demo commits
def test_seed_demo_is_idempotent_complete_and_sends_no_email(capsys):
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
    assert mail.outbox == []  # the demo bookings are real, but nobody is mailed about them


def test_muted_notifications_send_nothing_and_mail_flows_again_after(
    diner, other_diner, restaurant, django_capture_on_commit_callbacks
):
    starts_at = local(restaurant, timezone.localdate() + timedelta(days=3))

    def book(who):
        services.booking_create(
            diner=who, restaurant=restaurant, starts_at=starts_at, party_size=2, name="Guest", phone="010"
        )

    with notifications.muted(), django_capture_on_commit_callbacks(execute=True):
        book(diner)
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        book(other_diner)
    assert [m.to for m in mail.outbox] == [[other_diner.email]]
