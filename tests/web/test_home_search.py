from datetime import time

import pytest
from django.urls import reverse

from bookings.models import BookingStatus, Review
from tests.factories import local, make_booking, make_category, make_exception, make_restaurant
from web.forms import MSG_UNKNOWN_CATEGORY
from web.views import SEARCH_PAGE_SIZE

from .conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TODAY = NOW.date()


def names(response):
    return [r.name for r in response.context["page"].object_list]


def test_home_shows_featured_newest_top_rated_and_categories(client, diner):
    korean = make_category(name="Korean")
    featured = make_restaurant(name="Star", is_featured=True, category=korean)
    plain = make_restaurant(name="Plain")
    make_restaurant(name="Hidden", is_visible=False, is_featured=True)
    booking = make_booking(restaurant=plain, diner=diner, starts_at=local(plain, TODAY), status=BookingStatus.COMPLETED)
    Review.objects.create(booking=booking, restaurant=plain, diner=diner, rating=5)
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert response.context["featured"] == [featured]
    assert {r.name for r in response.context["newest"]} == {"Star", "Plain"}
    assert response.context["top_rated"] == [plain]
    content = response.content.decode()
    assert "Hidden" not in content
    assert f"{reverse('web:search')}?category={korean.slug}" in content


def test_home_for_every_kind_of_visitor(client, diner, operator):
    for user in (None, diner, operator):
        if user:
            client.force_login(user)
        assert client.get(reverse("web:home")).status_code == 200


def test_search_by_name_or_address_and_category(client):
    korean, italian = make_category(name="Korean"), make_category(name="Italian")
    make_restaurant(name="Seoul Kitchen", category=korean, address="1 Jongno-ro")
    make_restaurant(name="Trattoria", category=italian, address="5 Gangnam-daero")
    make_restaurant(name="Busan Grill", category=korean, address="9 Gangnam-daero")
    assert names(client.get(reverse("web:search"), {"q": "seoul"})) == ["Seoul Kitchen"]
    assert names(client.get(reverse("web:search"), {"q": "gangnam"})) == ["Busan Grill", "Trattoria"]
    assert names(client.get(reverse("web:search"), {"q": "gangnam", "category": korean.slug})) == ["Busan Grill"]
    assert names(client.get(reverse("web:search"), {"category": str(italian.pk)})) == ["Trattoria"]


def test_search_with_date_and_party_size_lists_only_restaurants_with_a_fitting_slot(client):
    make_restaurant(name="Roomy", seats=10)
    make_restaurant(name="Tiny", seats=2)
    closed = make_restaurant(name="Closed", seats=10)
    make_exception(restaurant=closed, date=TODAY, closed=True)
    make_restaurant(name="Lunch only", seats=10, services=(time(10, 30),))  # already too soon today
    response = client.get(reverse("web:search"), {"date": TODAY.isoformat(), "party_size": "4"})
    assert names(response) == ["Roomy"]
    assert f"?date={TODAY.isoformat()}&amp;party_size=4" in response.content.decode()
    response = client.get(reverse("web:search"), {"date": TODAY.isoformat(), "party_size": "2"})
    assert names(response) == ["Roomy", "Tiny"]


def test_search_empty_state_helps(client):
    make_restaurant(name="Somewhere")
    response = client.get(reverse("web:search"), {"q": "nothing like this"})
    content = response.content.decode()
    assert names(response) == []
    assert "No restaurant matches your search." in content
    assert 'href="/search/"' in content


def test_search_with_bad_input_says_so(client):
    make_restaurant(name="Somewhere")
    response = client.get(reverse("web:search"), {"category": "no-such", "date": "2030-02-31"})
    assert str(MSG_UNKNOWN_CATEGORY) in response.content.decode()
    assert response.context["form"].errors["date"]
    assert names(response) == []


def test_search_is_paginated_and_keeps_the_query(client):
    category = make_category(name="Many")
    for n in range(SEARCH_PAGE_SIZE + 2):
        make_restaurant(name=f"Place {n:02d}", category=category)
    first = client.get(reverse("web:search"), {"category": category.slug})
    assert len(names(first)) == SEARCH_PAGE_SIZE
    assert f"?category={category.slug}&amp;page=2" in first.content.decode()
    second = client.get(reverse("web:search"), {"category": category.slug, "page": "2"})
    assert names(second) == ["Place 12", "Place 13"]
    assert names(client.get(reverse("web:search"), {"page": "nonsense"})) == names(first)
