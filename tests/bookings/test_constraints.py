"""Each rule the database holds rejects a bad row even when Python checks are bypassed."""

from datetime import time

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import (
    Booking,
    RestaurantMember,
    RestaurantPhoto,
    Review,
    SeatingTemplate,
    SlotInventory,
)
from tests.factories import image_upload, make_booking, make_restaurant

pytestmark = pytest.mark.django_db


def _rejected(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_party_size_must_be_positive(diner):
    restaurant = make_restaurant()
    _rejected(lambda: make_booking(restaurant=restaurant, diner=diner, starts_at=timezone.now(), party_size=0))


def test_rating_must_be_between_1_and_5(diner):
    restaurant = make_restaurant()
    booking = make_booking(restaurant=restaurant, diner=diner, starts_at=timezone.now(), status="completed")
    for rating in (0, 6):
        _rejected(lambda r=rating: Review.objects.create(booking=booking, restaurant=restaurant, diner=diner, rating=r))
    Review.objects.create(booking=booking, restaurant=restaurant, diner=diner, rating=5)


def test_one_review_per_booking(diner):
    restaurant = make_restaurant()
    booking = make_booking(restaurant=restaurant, diner=diner, starts_at=timezone.now(), status="completed")
    Review.objects.create(booking=booking, restaurant=restaurant, diner=diner, rating=4)
    _rejected(lambda: Review.objects.create(booking=booking, restaurant=restaurant, diner=diner, rating=2))


def test_remaining_seats_cannot_go_negative():
    restaurant = make_restaurant()
    row = SlotInventory.objects.create(
        restaurant=restaurant, starts_at=timezone.now(), seats_total=4, seats_remaining=1
    )
    _rejected(lambda: SlotInventory.objects.filter(pk=row.pk).update(seats_remaining=-1))


def test_remaining_seats_cannot_exceed_total():
    restaurant = make_restaurant()
    _rejected(
        lambda: SlotInventory.objects.create(
            restaurant=restaurant, starts_at=timezone.now(), seats_total=4, seats_remaining=5
        )
    )


def test_inventory_row_is_unique_per_service():
    restaurant = make_restaurant()
    at = timezone.now()
    SlotInventory.objects.create(restaurant=restaurant, starts_at=at, seats_total=4, seats_remaining=4)
    _rejected(
        lambda: SlotInventory.objects.create(restaurant=restaurant, starts_at=at, seats_total=4, seats_remaining=4)
    )


def test_template_rows_are_unique_per_weekday_and_time():
    restaurant = make_restaurant(services=(time(18, 0),), weekdays=[0])
    _rejected(lambda: SeatingTemplate.objects.create(restaurant=restaurant, weekday=0, start_time=time(18, 0), seats=5))


def test_template_seats_must_be_positive():
    restaurant = make_restaurant(weekdays=[])
    _rejected(lambda: SeatingTemplate.objects.create(restaurant=restaurant, weekday=1, start_time=time(12), seats=0))


def test_one_main_photo_per_restaurant():
    restaurant = make_restaurant()
    RestaurantPhoto.objects.create(restaurant=restaurant, image=image_upload(), is_main=True)
    RestaurantPhoto.objects.create(restaurant=restaurant, image=image_upload(), is_main=False)
    _rejected(lambda: RestaurantPhoto.objects.create(restaurant=restaurant, image=image_upload(), is_main=True))


def test_one_membership_per_user_and_restaurant(operator):
    restaurant = make_restaurant(owner=operator)
    _rejected(lambda: RestaurantMember.objects.create(user=operator, restaurant=restaurant, role="staff"))


def test_member_role_must_be_known(operator):
    restaurant = make_restaurant()
    _rejected(lambda: RestaurantMember.objects.create(user=operator, restaurant=restaurant, role="king"))


def test_booking_status_must_be_known(diner):
    restaurant = make_restaurant()
    _rejected(lambda: make_booking(restaurant=restaurant, diner=diner, starts_at=timezone.now(), status="lost"))


def test_one_live_booking_per_diner_and_service(diner):
    restaurant = make_restaurant()
    at = timezone.now()
    make_booking(restaurant=restaurant, diner=diner, starts_at=at)
    _rejected(lambda: make_booking(restaurant=restaurant, diner=diner, starts_at=at))
    # A cancelled booking does not block a new one for the same service.
    Booking.objects.update(status="cancelled")
    make_booking(restaurant=restaurant, diner=diner, starts_at=at)
