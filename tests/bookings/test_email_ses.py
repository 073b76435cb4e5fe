"""Booking emails through Amazon SES (moto stands in for AWS), with boto3's default credentials."""

from datetime import timedelta

import boto3
import pytest
from django.core import mail
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from bookings import services
from tests.factories import local, make_restaurant

pytestmark = pytest.mark.django_db

REGION = "ap-northeast-2"
SENDER = "no-reply@tablebookings.example"


@pytest.fixture
def ses(settings, monkeypatch):
    # boto3's chain finds these, exactly as it finds the instance role in AWS; no keys in settings.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
        settings.EMAIL_BACKEND = "django_ses.SESBackend"
        settings.AWS_SES_REGION_NAME = REGION
        settings.AWS_SES_REGION_ENDPOINT = f"email.{REGION}.amazonaws.com"
        settings.DEFAULT_FROM_EMAIL = f"table_bookings <{SENDER}>"
        yield ses_backends[DEFAULT_ACCOUNT_ID][REGION]


def test_booking_confirmation_goes_out_through_ses(ses, diner, django_capture_on_commit_callbacks):
    restaurant = make_restaurant(name="SES Bistro")
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.booking_create(
            diner=diner,
            restaurant=restaurant,
            starts_at=local(restaurant, restaurant.local_today() + timedelta(days=2)),
            party_size=2,
            name="Dana",
            phone="010",
        )
    assert mail.outbox == []  # really sent, not kept in memory
    [sent] = ses.sent_messages
    raw = sent.raw_data
    assert diner.email in sent.destinations
    assert booking.reference in raw
    assert "text/calendar" in raw and "text/html" in raw
