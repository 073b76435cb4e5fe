"""With S3 on, every asset URL on every diner, account and office page points at the storage's domain.

Pages are found by URL name. Every name in the diner, account and office namespaces is either
rendered here or listed in NOT_PAGES with the reason; a new URL fails the coverage test until
it is put in one of the two.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import get_resolver, reverse
from django.utils import timezone

from bookings.models import BookingStatus, Review
from bookings.services import photo_add
from tests.factories import image_upload, make_booking
from tests.table_bookings.s3support import use_s3

CDN = "cdn.tablebookings.example"
STATIC_PREFIX = f"https://{CDN}/static/"
MEDIA_PREFIX = f"https://{CDN}/media/"
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")

# name -> (who is logged in, URL kwargs from the world, query string)
PAGES = {
    "web:home": (None, {}, ""),
    "web:search": (None, {}, "?q=Bistro"),
    "web:restaurant-detail": ("diner", {"pk": "restaurant"}, ""),
    "web:book": ("diner", {"pk": "restaurant"}, ""),
    "web:booking-list": ("diner", {}, ""),
    "web:booking-detail": ("diner", {"pk": "booking"}, ""),
    "web:booking-cancel": ("diner", {"pk": "booking"}, ""),
    "web:review-create": ("diner", {"booking_id": "past_booking"}, ""),
    "web:review-update": ("diner", {"pk": "review"}, ""),
    "web:review-delete": ("diner", {"pk": "review"}, ""),
    "accounts:login": (None, {}, ""),
    "accounts:signup": (None, {}, ""),
    "accounts:profile": ("diner", {}, ""),
    "accounts:password-change": ("diner", {}, ""),
    "accounts:password-change-done": ("diner", {}, ""),
    "accounts:password-reset": (None, {}, ""),
    "accounts:password-reset-done": (None, {}, ""),
    "accounts:password-reset-confirm": (None, {"uidb64": "MQ", "token": "not-a-token"}, ""),
    "accounts:password-reset-complete": (None, {}, ""),
    "accounts:verify-email": (None, {"token": "not-a-token"}, ""),
    "office:dashboard": ("operator", {}, ""),
    "office:restaurant-list": ("operator", {}, ""),
    "office:restaurant-create": ("operator", {}, ""),
    "office:restaurant-update": ("operator", {"pk": "restaurant"}, ""),
    "office:restaurant-delete": ("operator", {"pk": "restaurant"}, ""),
    "office:member-list": ("operator", {"pk": "restaurant"}, ""),
    "office:photo-list": ("operator", {"pk": "restaurant"}, ""),
    "office:seating": ("operator", {"pk": "restaurant"}, ""),
    "office:booking-list": ("operator", {}, ""),
    "office:booking-detail": ("operator", {"pk": "booking"}, ""),
    "office:booking-create": ("operator", {"pk": "restaurant"}, ""),
}
NOT_PAGES = {
    "web:availability-api": "JSON",
    "office:booking-export": "CSV download",
    "accounts:logout": "POST only",
    "accounts:verify-email-resend": "POST only",
    "office:member-remove": "POST only",
    "office:photo-update": "POST only",
    "office:photo-main": "POST only",
    "office:photo-move": "POST only",
    "office:photo-delete": "POST only",
    "office:seating-weekly": "POST only",
    "office:seating-rules": "POST only",
    "office:seating-exception": "POST only",
    "office:seating-exception-delete": "POST only",
}
# A page that says the link is bad is still a page with the site's assets.
EXPECTED_STATUS = {"accounts:verify-email": 400}
# Pages that show the restaurant's photos: they must come from the bucket too.
PAGES_WITH_PHOTOS = {"web:home", "web:search", "web:restaurant-detail", "office:photo-list"}
ASSET_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload", "manifest"}


class AssetURLs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("img", "source"):
            if attrs.get("src"):
                self.urls.append((tag, attrs["src"]))
            for candidate in (attrs.get("srcset") or "").split(","):
                if candidate.strip():
                    self.urls.append((tag, candidate.split()[0]))
        elif tag == "script" and attrs.get("src"):
            self.urls.append((tag, attrs["src"]))
        elif tag == "link" and ASSET_RELS & set((attrs.get("rel") or "").lower().split()):
            self.urls.append((tag, attrs.get("href") or ""))


def site_url_names() -> set[str]:
    names = set()
    for namespace in ("web", "accounts", "office"):
        resolver = get_resolver().namespace_dict[namespace][1]
        names.update(f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str))
    return names


def test_every_site_url_is_checked_or_has_a_reason_not_to_be():
    unclassified = site_url_names() - set(PAGES) - set(NOT_PAGES)
    assert not unclassified, f"add these URL names to PAGES or NOT_PAGES in {__file__}: {sorted(unclassified)}"
    assert not (set(PAGES) | set(NOT_PAGES)) - site_url_names(), "PAGES/NOT_PAGES name URLs that no longer exist"


@pytest.fixture
def world(s3, settings, diner, operator, restaurant):
    use_s3(settings, AWS_S3_CUSTOM_DOMAIN=CDN)
    settings.STATICFILES_DIRS = [django_settings.BASE_DIR / "static"]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    call_command("collectstatic", interactive=False, stdout=StringIO())
    photo_add(restaurant=restaurant, upload=image_upload(name="room.jpg", size=(480, 360)), alt_text="The room")
    now = timezone.now()
    booking = make_booking(restaurant=restaurant, diner=diner, starts_at=now + timedelta(days=3))
    past = make_booking(
        restaurant=restaurant, diner=diner, starts_at=now - timedelta(days=3), status=BookingStatus.COMPLETED
    )
    reviewed = make_booking(
        restaurant=restaurant, diner=diner, starts_at=now - timedelta(days=10), status=BookingStatus.COMPLETED
    )
    review = Review.objects.create(booking=reviewed, restaurant=restaurant, diner=diner, rating=5, text="Lovely")
    return {
        "diner": diner,
        "operator": operator,
        "restaurant": restaurant.pk,
        "booking": booking.pk,
        "past_booking": past.pk,
        "review": review.pk,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_page_assets_come_from_the_storage_domain(url_name, world, client):
    who, kwargs, query = PAGES[url_name]
    if who:
        client.force_login(world[who])
    url = reverse(url_name, kwargs={key: world.get(value, value) for key, value in kwargs.items()}) + query

    response = client.get(url)

    expected = EXPECTED_STATUS.get(url_name, 200)
    assert response.status_code == expected, f"{url_name} ({url}) answered {response.status_code}"
    parser = AssetURLs()
    parser.feed(response.content.decode())
    assert parser.urls, f"{url_name}: no img/link/script URLs at all"
    wrong = [(tag, src) for tag, src in parser.urls if not src.startswith((STATIC_PREFIX, MEDIA_PREFIX))]
    assert not wrong, f"{url_name}: asset URLs not on the storage's domain: {wrong}"
    static_urls = [src for _tag, src in parser.urls if src.startswith(STATIC_PREFIX)]
    assert any(src.endswith(".css") or ".css" in src for src in static_urls), f"{url_name}: no stylesheet"
    unhashed = [src for src in static_urls if not HASHED.search(src.split("?")[0])]
    assert not unhashed, f"{url_name}: static URLs without a content hash (not cacheable for a year): {unhashed}"
    if url_name in PAGES_WITH_PHOTOS:
        assert any(src.startswith(MEDIA_PREFIX) for _tag, src in parser.urls), f"{url_name}: photo not from media/"
