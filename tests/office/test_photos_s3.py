"""Photos through the S3 MediaStorage (moto in-process): what production runs."""

import boto3
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from moto import mock_aws

from bookings import services
from bookings.models import RestaurantPhoto
from tests.factories import image_upload

BUCKET = "office-photos-test"


@pytest.fixture
def s3(settings, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.AWS_STORAGE_BUCKET_NAME = BUCKET
        settings.AWS_S3_REGION_NAME = "us-east-1"
        settings.AWS_DEFAULT_ACL = None
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "table_bookings.storages.MediaStorage"},
        }
        yield client


def keys(client):
    return sorted(obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_photo_and_derived_sizes_go_to_the_bucket_and_leave_with_the_photo(
    s3, restaurant, django_capture_on_commit_callbacks
):
    photo = services.photo_add(restaurant=restaurant, upload=image_upload(size=(800, 600)))
    stored = keys(s3)
    assert len(stored) == 4
    assert all(key.startswith(f"media/restaurants/{restaurant.pk}/") for key in stored)
    assert s3.head_object(Bucket=BUCKET, Key=f"media/{photo.card.name}")["ContentType"] == "image/webp"
    assert photo.card_url.startswith("https://")

    with django_capture_on_commit_callbacks(execute=True):
        services.photo_delete(photo=photo)
    assert keys(s3) == []


def test_refused_upload_leaves_the_bucket_empty(s3, restaurant):
    with pytest.raises(ValidationError):
        services.photo_add(
            restaurant=restaurant, upload=SimpleUploadedFile("x.jpg", b"<html>", content_type="image/jpeg")
        )
    assert keys(s3) == []
    assert RestaurantPhoto.objects.count() == 0
