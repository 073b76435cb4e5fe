from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.admin import MSG_ADMIN_BOOKINGS_READ_ONLY, MSG_ADMIN_USE_OFFICE
from bookings.models import Booking, BookingStatus, RestaurantPhoto, SeatingTemplate, SlotInventory
from tests.factories import image_upload, local, make_exception


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def booking(restaurant, diner):
    day = timezone.localdate() + timedelta(days=3)
    return services.booking_create(
        diner=diner, restaurant=restaurant, starts_at=local(restaurant, day), party_size=2, name="Dana", phone="010"
    )


def seats_left(booking):
    return SlotInventory.objects.get(restaurant=booking.restaurant, starts_at=booking.starts_at).seats_remaining


def test_bookings_cannot_be_added_in_the_admin(admin_client, restaurant):
    assert admin_client.get(reverse("admin:bookings_booking_add")).status_code == 403
    changelist = admin_client.get(reverse("admin:bookings_booking_changelist"))
    assert reverse("admin:bookings_booking_add") not in changelist.content.decode()


def test_admin_change_form_leaves_seats_status_and_time_alone(admin_client, booking, restaurant):
    url = reverse("admin:bookings_booking_change", args=[booking.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert str(MSG_ADMIN_BOOKINGS_READ_ONLY) in page.content.decode()

    response = admin_client.post(
        url,
        {
            "name": "Dana D.",
            "phone": "010-9999-0000",
            "request": "",
            "party_size": 12,
            "status": BookingStatus.CANCELLED,
            "starts_at_0": "2030-01-01",
            "starts_at_1": "19:00",
        },
    )

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.name == "Dana D."  # the guest's details may be corrected
    assert (booking.party_size, booking.status) == (2, BookingStatus.CONFIRMED)
    assert booking.starts_at == local(restaurant, booking.starts_at.astimezone(restaurant.tz).date())
    assert seats_left(booking) == 18


def test_bookings_cannot_be_deleted_in_the_admin(admin_client, booking):
    response = admin_client.post(reverse("admin:bookings_booking_delete", args=[booking.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Booking.objects.filter(pk=booking.pk).exists()


def test_slot_inventory_is_view_only(admin_client, booking):
    slot = SlotInventory.objects.get(restaurant=booking.restaurant, starts_at=booking.starts_at)
    url = reverse("admin:bookings_slotinventory_change", args=[slot.pk])

    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"seats_total": 99, "seats_remaining": 99})
    assert admin_client.get(reverse("admin:bookings_slotinventory_add")).status_code == 403

    slot.refresh_from_db()
    assert (slot.seats_total, slot.seats_remaining) == (20, 18)


def test_photos_cannot_be_uploaded_in_the_admin(admin_client, restaurant):
    assert admin_client.get(reverse("admin:bookings_restaurantphoto_add")).status_code == 403


def test_photo_alt_text_may_change_but_not_the_image(admin_client, restaurant):
    photo = services.photo_add(restaurant=restaurant, upload=image_upload(), alt_text="Old")
    original = photo.image.name
    url = reverse("admin:bookings_restaurantphoto_change", args=[photo.pk])
    page = admin_client.get(url).content.decode()
    assert str(MSG_ADMIN_USE_OFFICE) in page
    assert reverse("office:photo-list", args=[restaurant.pk]) in page
    assert 'type="file"' not in page

    response = admin_client.post(url, {"alt_text": "Dining room", "position": 0, "image": image_upload(name="raw.jpg")})

    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.alt_text == "Dining room"
    assert photo.image.name == original
    assert RestaurantPhoto.objects.count() == 1


def test_restaurant_page_shows_photos_and_seating_without_upload_or_edit(admin_client, restaurant):
    services.photo_add(restaurant=restaurant, upload=image_upload(), alt_text="Room")
    page = admin_client.get(reverse("admin:bookings_restaurant_change", args=[restaurant.pk])).content.decode()

    assert 'type="file"' not in page
    assert 'name="seating_templates-0-seats"' not in page  # shown, not editable
    assert "18:00" in page
    assert reverse("office:seating", args=[restaurant.pk]) in page


def test_seating_templates_and_exceptions_are_view_only(admin_client, restaurant):
    template = SeatingTemplate.objects.filter(restaurant=restaurant).first()
    exception = make_exception(
        restaurant=restaurant, date=timezone.localdate() + timedelta(days=5), services=[(time(18, 0), 10)]
    )
    template_url = reverse("admin:bookings_seatingtemplate_change", args=[template.pk])
    exception_url = reverse("admin:bookings_seatingexception_change", args=[exception.pk])

    assert admin_client.get(template_url).status_code == 200
    assert reverse("office:seating", args=[restaurant.pk]) in admin_client.get(exception_url).content.decode()
    admin_client.post(template_url, {"restaurant": restaurant.pk, "weekday": 0, "start_time": "18:00", "seats": 1})
    assert admin_client.get(reverse("admin:bookings_seatingtemplate_add")).status_code == 403
    assert admin_client.get(reverse("admin:bookings_seatingexception_add")).status_code == 403
    assert admin_client.post(reverse("admin:bookings_seatingtemplate_delete", args=[template.pk])).status_code == 403

    template.refresh_from_db()
    assert template.seats == 20


def test_time_zone_is_changed_in_the_office_not_the_admin(admin_client, restaurant):
    page = admin_client.get(reverse("admin:bookings_restaurant_change", args=[restaurant.pk])).content.decode()

    assert 'name="timezone"' not in page
    assert reverse("office:restaurant-update", args=[restaurant.pk]) in page
