"""Small keyword-only factories: each test states only the data it depends on."""

import io
import itertools
from datetime import datetime, time

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bookings.models import (
    Booking,
    BookingStatus,
    Category,
    MemberRole,
    Restaurant,
    RestaurantMember,
    SeatingException,
    SeatingExceptionService,
    SeatingTemplate,
)

PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)


def make_user(*, email=None, password=PASSWORD, **extra):
    email = email or f"user{next(_seq)}@example.com"
    return get_user_model().objects.create_user(email=email, password=password, **extra)


def make_category(*, name=None):
    n = next(_seq)
    name = name or f"Category {n}"
    return Category.objects.create(name=name, slug=f"category-{n}")


def make_restaurant(
    *,
    name=None,
    category=None,
    seats=20,
    services=(time(18, 0),),
    weekdays=(0, 1, 2, 3, 4, 5, 6),
    owner=None,
    staff=None,
    **extra,
):
    """A visible restaurant with the same services every weekday (each with `seats` seats)."""
    restaurant = Restaurant.objects.create(
        name=name or f"Restaurant {next(_seq)}",
        category=category or make_category(),
        address=extra.pop("address", "1 Test-ro, Seoul"),
        **extra,
    )
    SeatingTemplate.objects.bulk_create(
        SeatingTemplate(restaurant=restaurant, weekday=w, start_time=t, seats=seats) for w in weekdays for t in services
    )
    if owner is not None:
        RestaurantMember.objects.create(user=owner, restaurant=restaurant, role=MemberRole.OWNER)
    if staff is not None:
        RestaurantMember.objects.create(user=staff, restaurant=restaurant, role=MemberRole.STAFF)
    return restaurant


def make_exception(*, restaurant, date, closed=False, services=()):
    exception = SeatingException.objects.create(restaurant=restaurant, date=date, is_closed=closed)
    for start, seats in services:
        SeatingExceptionService.objects.create(exception=exception, start_time=start, seats=seats)
    return exception


def local(restaurant, day, hh_mm="18:00"):
    hour, minute = map(int, hh_mm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=restaurant.tz)


def make_booking(*, restaurant, diner, starts_at, party_size=2, status=BookingStatus.CONFIRMED, **extra):
    """A booking row written directly (no seat accounting): for read-side tests and past data."""
    return Booking.objects.create(
        restaurant=restaurant,
        diner=diner,
        starts_at=starts_at,
        party_size=party_size,
        name=extra.pop("name", "Guest"),
        phone=extra.pop("phone", "010-0000-0000"),
        status=status,
        **extra,
    )


def image_bytes(*, fmt="JPEG", size=(64, 48), color=(200, 30, 30), exif=None) -> bytes:
    buffer = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def image_upload(*, name="photo.jpg", fmt="JPEG", content_type="image/jpeg", **kwargs):
    return SimpleUploadedFile(name, image_bytes(fmt=fmt, **kwargs), content_type=content_type)
