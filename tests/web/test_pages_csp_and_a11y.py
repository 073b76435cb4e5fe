"""Every diner and account page works under a strict Content-Security-Policy and has the basics of accessibility."""

import re
from datetime import date

import pytest
from django.urls import reverse

from bookings.models import BookingStatus, Review
from tests.factories import local, make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)[^>]*>", re.IGNORECASE)


def page_urls(restaurant, diner):
    upcoming = make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, date(2030, 6, 4)))
    visited = make_booking(
        restaurant=restaurant,
        diner=diner,
        starts_at=local(restaurant, date(2030, 5, 1)),
        status=BookingStatus.COMPLETED,
    )
    review = Review.objects.create(booking=visited, restaurant=restaurant, diner=diner, rating=4, text="Nice")
    return [
        reverse("web:home"),
        reverse("web:search") + "?q=bistro&date=2030-06-04&party_size=2",
        restaurant.get_absolute_url(),
        reverse("web:book", args=[restaurant.pk]) + "?date=2030-06-04&time=18:00&party_size=2",
        reverse("web:booking-list"),
        upcoming.get_absolute_url(),
        reverse("web:booking-cancel", args=[upcoming.pk]),
        reverse("web:review-update", args=[review.pk]),
        reverse("web:review-delete", args=[review.pk]),
        reverse("accounts:profile"),
        reverse("accounts:password-change"),
    ]


def check_page(content, url):
    assert not INLINE_SCRIPT.search(content), url
    assert not HANDLER_ATTRIBUTE.search(content), url
    assert not STYLE_ATTRIBUTE.search(content), url
    assert not IMG_WITHOUT_ALT.search(content), url
    assert content.count("<h1") == 1, url
    # Every visible form control has a label pointing at it.
    for control_id in re.findall(
        r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit|radio)")[^>]*\bid="([^"]+)"', content
    ):
        assert f'for="{control_id}"' in content, (url, control_id)


def test_diner_pages(client, diner, restaurant):
    urls = page_urls(restaurant, diner)
    client.force_login(diner)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        check_page(response.content.decode(), url)


def test_account_pages_for_visitors(client):
    for name in ("accounts:login", "accounts:signup", "accounts:password-reset"):
        url = reverse(name)
        response = client.get(url)
        assert response.status_code == 200, url
        check_page(response.content.decode(), url)
