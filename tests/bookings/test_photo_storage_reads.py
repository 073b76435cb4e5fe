"""Showing photos never reads the stored files (on S3 each read is a GET of the original)."""

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from bookings import services
from bookings.models import Restaurant, RestaurantPhoto
from tests.factories import image_upload, make_restaurant

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_file_reads(monkeypatch):
    def refuse(self, name, mode="rb"):
        raise AssertionError(f"a page read the stored file {name}")

    monkeypatch.setattr(FileSystemStorage, "_open", refuse)


def test_photo_size_is_recorded_at_upload():
    restaurant = make_restaurant()
    photo = services.photo_add(restaurant=restaurant, upload=image_upload(size=(640, 480)), alt_text="Room")
    photo.refresh_from_db()
    assert (photo.width, photo.height) == (640, 480)


def test_pages_with_photos_do_not_open_the_stored_files(client, no_file_reads):
    restaurant = make_restaurant(is_featured=True)
    stored = RestaurantPhoto.objects.bulk_create(
        [RestaurantPhoto(restaurant=restaurant, image="restaurants/1/a.jpg", card="restaurants/1/a-card.webp")]
    )[0]
    loaded = RestaurantPhoto.objects.get(pk=stored.pk)
    assert loaded.card_url.endswith("a-card.webp")
    card = Restaurant.objects.with_main_photo().get(pk=restaurant.pk).main_photo
    assert card.card_url.endswith("a-card.webp")
    for url in (reverse("web:home"), reverse("web:search"), restaurant.get_absolute_url()):
        assert client.get(url).status_code == 200
