import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from bookings import images, services
from bookings.models import RestaurantPhoto
from tests.bookings.test_images import gps_exif, png_claiming_size
from tests.factories import image_bytes, image_upload

BAD_FILES = {
    "text renamed .jpg": ("notes.jpg", b"not an image at all\n" * 20, "image/jpeg", images.MSG_NOT_AN_IMAGE),
    "svg": (
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "image/svg+xml",
        images.MSG_NOT_AN_IMAGE,
    ),
    "11 MB": ("big.jpg", b"\xff\xd8\xff" + b"\0" * (11 * 1024 * 1024), "image/jpeg", images.MSG_TOO_BIG),
    "decompression bomb": ("bomb.png", png_claiming_size(30_000, 30_000), "image/png", images.MSG_TOO_MANY_PIXELS),
    "truncated jpeg": ("cut.jpg", image_bytes(size=(400, 300))[:900], "image/jpeg", images.MSG_DAMAGED),
}


@pytest.fixture
def photos_url(restaurant):
    return reverse("office:photo-list", args=[restaurant.pk])


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_upload_is_refused_with_the_reason_and_nothing_stored(
    client, staff_member, restaurant, photos_url, stored_files, case
):
    name, data, content_type, message = BAD_FILES[case]
    client.force_login(staff_member)
    response = client.post(
        photos_url, {"images": SimpleUploadedFile(name, data, content_type=content_type)}, follow=True
    )
    page = response.content.decode()
    assert name in page
    first_sentence = str(message).split("(")[0].split("%")[0].strip()
    assert first_sentence in page
    assert stored_files() == []
    assert RestaurantPhoto.objects.count() == 0


def test_several_photos_upload_at_once_with_derived_sizes(client, operator, restaurant, photos_url, stored_files):
    client.force_login(operator)
    files = [image_upload(name=f"room{i}.jpg", size=(900, 600)) for i in range(3)]
    response = client.post(photos_url, {"images": files, "alt_text": "Window tables"}, follow=True)
    assert "3 photos added." in response.content.decode()
    photos = list(restaurant.photos.order_by("position"))
    assert [p.position for p in photos] == [0, 1, 2]
    assert all(p.alt_text == "Window tables" for p in photos)
    for photo in photos:
        for field in (photo.thumb, photo.card, photo.large):
            assert field.name.endswith(".webp")
            assert default_storage.exists(field.name)
        assert photo.image.name.startswith(f"restaurants/{restaurant.pk}/")
        assert (photo.width, photo.height) == (900, 600)
    assert len(stored_files()) == 12  # original + 3 derived each


def test_good_and_bad_files_together_keep_the_good_ones(client, operator, restaurant, photos_url, stored_files):
    client.force_login(operator)
    bad = SimpleUploadedFile("notes.jpg", b"hello" * 50, content_type="image/jpeg")
    response = client.post(photos_url, {"images": [image_upload(), bad]}, follow=True)
    page = response.content.decode()
    assert "1 photo added." in page
    assert "notes.jpg was not added" in page
    assert restaurant.photos.count() == 1
    assert len(stored_files()) == 4


def test_uploaded_jpeg_with_gps_is_stored_without_it(client, operator, restaurant, photos_url):
    client.force_login(operator)
    upload = SimpleUploadedFile("phone.jpg", image_bytes(exif=gps_exif()), content_type="image/jpeg")
    client.post(photos_url, {"images": [upload]})
    photo = restaurant.photos.get()
    with default_storage.open(photo.image.name) as stored:
        image = Image.open(io.BytesIO(stored.read()))
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in image.info


def test_deleting_a_photo_deletes_all_its_files(
    client, operator, restaurant, stored_files, django_capture_on_commit_callbacks
):
    photo = services.photo_add(restaurant=restaurant, upload=image_upload())
    assert len(stored_files()) == 4
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("office:photo-delete", args=[restaurant.pk, photo.pk]))
    assert response.status_code == 302
    assert stored_files() == []
    assert not RestaurantPhoto.objects.filter(pk=photo.pk).exists()


def test_choose_main_photo_alt_text_and_reorder(client, operator, restaurant):
    first, second, third = (
        services.photo_add(restaurant=restaurant, upload=image_upload(), alt_text=str(i)) for i in range(3)
    )
    client.force_login(operator)
    client.post(reverse("office:photo-main", args=[restaurant.pk, third.pk]))
    client.post(reverse("office:photo-update", args=[restaurant.pk, second.pk]), {"alt_text": "Chef at work"})
    client.post(reverse("office:photo-move", args=[restaurant.pk, third.pk]), {"offset": "-1"})

    assert restaurant.main_photo == third
    second.refresh_from_db()
    assert second.alt_text == "Chef at work"
    assert list(restaurant.photos.order_by("position").values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    page = client.get(reverse("office:photo-list", args=[restaurant.pk])).content.decode()
    assert third.thumb_url in page


def test_photo_page_query_count_does_not_grow_with_photos(client, operator, restaurant, django_assert_max_num_queries):
    for _ in range(5):
        services.photo_add(restaurant=restaurant, upload=image_upload())
    client.force_login(operator)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("office:photo-list", args=[restaurant.pk])).status_code == 200


def test_files_written_before_a_database_failure_are_removed(restaurant, stored_files, monkeypatch):
    def fail(photo):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_photo_insert", fail)
    with pytest.raises(RuntimeError):
        services.photo_add(restaurant=restaurant, upload=image_upload())
    assert stored_files() == []
