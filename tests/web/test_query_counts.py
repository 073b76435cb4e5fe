"""Query counts stay fixed however much data there is (50 restaurants × 5 photos × 30 days of seating)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.models import BookingStatus, RestaurantPhoto, Review, SlotInventory
from tests.factories import local, make_booking, make_category, make_exception, make_restaurant

from .conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TODAY = NOW.date()
DAYS = 30


@pytest.fixture
def lots(diner, other_diner):
    categories = [make_category(name=f"Cuisine {n}") for n in range(5)]
    restaurants = [
        make_restaurant(name=f"Place {n:02d}", category=categories[n % 5], is_featured=n % 7 == 0) for n in range(50)
    ]
    RestaurantPhoto.objects.bulk_create(
        RestaurantPhoto(
            restaurant=r, image=f"restaurants/{r.pk}/p{i}.jpg", width=400, height=300, position=i, is_main=i == 0
        )
        for r in restaurants
        for i in range(5)
    )
    SlotInventory.objects.bulk_create(
        SlotInventory(
            restaurant=r, starts_at=local(r, TODAY + timedelta(days=d)), seats_total=20, seats_remaining=20 - d % 5
        )
        for r in restaurants
        for d in range(DAYS)
    )
    for r in restaurants[::10]:
        make_exception(restaurant=r, date=TODAY + timedelta(days=2), closed=True)
    first = restaurants[0]
    for d in range(1, DAYS):
        # The diner's history: past visits (reviewed) and upcoming bookings.
        status = BookingStatus.COMPLETED if d % 2 else BookingStatus.CONFIRMED
        day = TODAY - timedelta(days=d) if d % 2 else TODAY + timedelta(days=d)
        booking = make_booking(restaurant=restaurants[d], diner=diner, starts_at=local(first, day), status=status)
        if status == BookingStatus.COMPLETED:
            Review.objects.create(booking=booking, restaurant=restaurants[d], diner=diner, rating=1 + d % 5)
    for d in range(1, 6):
        booking = make_booking(
            restaurant=first,
            diner=other_diner,
            starts_at=local(first, TODAY - timedelta(days=d)),
            status=BookingStatus.COMPLETED,
        )
        Review.objects.create(booking=booking, restaurant=first, diner=other_diner, rating=4, text="Good")
    return restaurants


@pytest.mark.parametrize("logged_in", [False, True])
def test_home_queries(client, lots, diner, logged_in, django_assert_max_num_queries):
    if logged_in:
        client.force_login(diner)  # session, user and the nav's office check come on top
    with django_assert_max_num_queries(6):
        response = client.get(reverse("web:home"))
    assert response.status_code == 200
    context = response.context
    assert [r.name for r in context["featured"]] == [
        "Place 00",
        "Place 07",
        "Place 14",
        "Place 21",
        "Place 28",
        "Place 35",
        "Place 42",
        "Place 49",
    ]
    assert [r.name for r in context["newest"]] == [f"Place {n}" for n in range(49, 41, -1)]
    assert context["top_rated"][0].rating_avg == 5
    assert len(context["top_rated"]) == 8
    assert all(r.main_photo.is_main for r in context["newest"])


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "place", "category": "CATEGORY"},
        {"date": (TODAY + timedelta(days=1)).isoformat(), "party_size": "2"},
        {"q": "place", "date": (TODAY + timedelta(days=2)).isoformat(), "party_size": "4", "page": "2"},
    ],
)
@pytest.mark.parametrize("logged_in", [False, True])
def test_search_queries(client, lots, diner, params, logged_in, django_assert_max_num_queries):
    if logged_in:
        client.force_login(diner)
    if params.get("category"):
        params = {**params, "category": lots[1].category.slug}
    with django_assert_max_num_queries(6):
        response = client.get(reverse("web:search"), params)
    assert response.status_code == 200
    assert response.context["page"].object_list


def test_restaurant_page_queries(client, lots, diner, django_assert_max_num_queries):
    client.force_login(diner)  # the heaviest case: session, user and the nav's office check on top
    url = lots[0].get_absolute_url()
    with django_assert_max_num_queries(8):
        response = client.get(url, {"date": (TODAY + timedelta(days=3)).isoformat(), "party_size": "2"})
    assert response.status_code == 200
    assert len(response.context["photos"]) == 5
    assert response.context["restaurant"].rating_count == 5


def test_restaurant_page_without_a_date_queries(client, lots, diner, django_assert_max_num_queries):
    client.force_login(diner)  # today and tomorrow are read together to pick the first day with a table
    with django_assert_max_num_queries(8):
        response = client.get(lots[0].get_absolute_url())
    assert response.status_code == 200
    assert response.context["slots"]


def test_availability_api_queries(client, lots, django_assert_max_num_queries):
    url = reverse("web:availability-api", args=[lots[0].pk])
    with django_assert_max_num_queries(3):
        response = client.get(url, {"date": (TODAY + timedelta(days=4)).isoformat(), "party_size": "2"})
    assert response.status_code == 200
    assert response.json()["slots"]


def test_my_bookings_queries(client, lots, diner, django_assert_max_num_queries):
    client.force_login(diner)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("web:booking-list"))
    assert len(response.context["upcoming"]) + len(response.context["past"]) == DAYS - 1
