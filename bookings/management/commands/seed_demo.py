from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from bookings import notifications, services
from bookings.availability import local_datetime, schedules_for_date
from bookings.demo_images import draw_photo
from bookings.models import (
    Booking,
    BookingStatus,
    Category,
    MemberRole,
    Restaurant,
    RestaurantMember,
    Review,
    SeatingTemplate,
    SlotInventory,
)

DEMO_PASSWORD = "tablebookings-demo"  # noqa: S105 — published demo password, documented in the README
DINER_EMAIL = "diner@example.com"
OWNER_EMAIL = "owner@example.com"

CATEGORIES = [("Korean", "korean"), ("Japanese", "japanese"), ("Italian", "italian"), ("Cafe", "cafe"), ("Bar", "bar")]

RESTAURANTS = [
    # name, category slug, address, price, featured
    ("Hanok Table", "korean", "12 Bukchon-ro, Jongno-gu, Seoul", 3, True),
    ("Seoul Grill House", "korean", "45 Itaewon-ro, Yongsan-gu, Seoul", 2, False),
    ("Bibim Garden", "korean", "8 Insadong-gil, Jongno-gu, Seoul", 1, False),
    ("Sushi Namu", "japanese", "101 Apgujeong-ro, Gangnam-gu, Seoul", 4, True),
    ("Ramen Alley", "japanese", "23 Hongik-ro, Mapo-gu, Seoul", 1, False),
    ("Izakaya Tsuki", "japanese", "7 Seongsui-ro, Seongdong-gu, Seoul", 2, False),
    ("Trattoria Luna", "italian", "66 Garosu-gil, Gangnam-gu, Seoul", 3, True),
    ("Pasta Fresca", "italian", "19 Yeonnam-ro, Mapo-gu, Seoul", 2, False),
    ("Pizzeria Vesuvio", "italian", "3 Haebangchon-gil, Yongsan-gu, Seoul", 2, False),
    ("Morning Roasters", "cafe", "88 Seochon-ro, Jongno-gu, Seoul", 1, False),
    ("Cafe Dalbit", "cafe", "15 Samcheong-ro, Jongno-gu, Seoul", 1, True),
    ("Bar Moonlight", "bar", "31 Noksapyeong-daero, Yongsan-gu, Seoul", 3, False),
    ("Soju & Tapas", "bar", "52 Eulji-ro, Jung-gu, Seoul", 2, False),
]

OWNED_BY_DEMO_OWNER = {"Hanok Table", "Sushi Namu", "Trattoria Luna", "Cafe Dalbit"}
SERVICES = [(time(12, 0), 20), (time(13, 30), 20), (time(18, 0), 30), (time(19, 30), 30)]
PHOTO_CAPTIONS = ["Dining room", "Signature dish", "Chef's table"]


class Command(BaseCommand):
    help = "Load demo restaurants, photos, seating, bookings, reviews and the demo accounts. Safe to run again."

    def handle(self, *args, **options):
        # The demo bookings are real bookings made through the services, but nobody should get
        # mail about them (least of all through SES in production). The transaction commits,
        # and its on-commit emails run, inside the muted block.
        with notifications.muted(), transaction.atomic():
            diner, owner = self._users()
            categories = self._categories()
            restaurants = []
            for index, (name, cat, address, price, featured) in enumerate(RESTAURANTS):
                restaurant = self._restaurant(index, name, categories[cat], address, price, featured)
                if name in OWNED_BY_DEMO_OWNER:
                    RestaurantMember.objects.get_or_create(
                        user=owner, restaurant=restaurant, defaults={"role": MemberRole.OWNER}
                    )
                restaurants.append(restaurant)
                self.stdout.write(f"  {name}")
            for index, restaurant in enumerate(restaurants):
                self._past_visits(index, restaurant, diner)
            for restaurant in restaurants[:6]:
                self._future_booking(restaurant, diner)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {Restaurant.objects.count()} restaurants."))
        self.stdout.write(f"  diner:    {DINER_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(f"  operator: {OWNER_EMAIL} / {DEMO_PASSWORD}  (office at /office/)")

    def _users(self):
        User = get_user_model()
        people = {
            DINER_EMAIL: {"display_name": "Demo Diner", "phone": "010-1234-5678"},
            OWNER_EMAIL: {"display_name": "Demo Owner", "phone": "010-8765-4321"},
        }
        users = []
        for email, defaults in people.items():
            user, created = User.objects.get_or_create(email=email, defaults={**defaults, "email_verified": True})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            users.append(user)
        return users

    def _categories(self):
        result = {}
        for position, (name, slug) in enumerate(CATEGORIES):
            result[slug], _ = Category.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})
        return result

    def _restaurant(self, index, name, category, address, price, featured):
        restaurant, _ = Restaurant.objects.get_or_create(
            name=name,
            defaults={
                "category": category,
                "address": address,
                "phone": f"02-{700 + index:03d}-{1000 + index * 7:04d}",
                "description": f"{name} serves {category.name.lower()} food in the heart of Seoul.",
                "menu": "Set menu — 35,000\nChef's special — 48,000\nDessert — 9,000",
                "price_range": price,
                "is_featured": featured,
            },
        )
        for weekday in range(7):
            if weekday == 0 and index % 3 == 0:
                continue  # some places close on Mondays
            for start, seats in SERVICES:
                SeatingTemplate.objects.get_or_create(
                    restaurant=restaurant, weekday=weekday, start_time=start, defaults={"seats": seats}
                )
        for position in range(len(PHOTO_CAPTIONS) - restaurant.photos.count()):
            caption = PHOTO_CAPTIONS[restaurant.photos.count()]
            services.photo_add(
                restaurant=restaurant,
                upload=draw_photo(seed=f"demo-{index}-{position}-{caption}", title=f"{name} · {caption}"),
                alt_text=f"{caption} at {name}",
                is_main=not restaurant.photos.exists(),
            )
        return restaurant

    def _past_visits(self, index, restaurant, diner):
        """A completed visit with a review a week ago; past bookings bypass the 'no past booking' rule."""
        today = restaurant.local_today()
        for weeks_ago, rating in ((1, 3 + index % 3), (2, 4)):
            day = today - timedelta(days=7 * weeks_ago)
            schedule = schedules_for_date([restaurant.pk], day)[restaurant.pk]
            if not schedule.services:
                continue
            start, seats = schedule.services[-1]
            starts_at = local_datetime(restaurant, day, start)
            booking, created = Booking.objects.get_or_create(
                idempotency_key=f"seed-past-{restaurant.pk}-{weeks_ago}",
                defaults={
                    "diner": diner,
                    "restaurant": restaurant,
                    "starts_at": starts_at,
                    "party_size": 2,
                    "name": diner.display_name,
                    "phone": diner.phone,
                    "status": BookingStatus.COMPLETED,
                },
            )
            if created:
                inventory, _ = SlotInventory.objects.get_or_create(
                    restaurant=restaurant,
                    starts_at=starts_at,
                    defaults={"seats_total": seats, "seats_remaining": seats},
                )
                inventory.seats_remaining -= 2  # historic data, written once, no concurrency here
                inventory.save(update_fields=["seats_remaining"])
            Review.objects.get_or_create(
                booking=booking,
                defaults={
                    "restaurant": restaurant,
                    "diner": diner,
                    "rating": rating,
                    "text": "Lovely evening, friendly staff." if rating >= 4 else "Good food, a bit of a wait.",
                },
            )

    def _future_booking(self, restaurant, diner):
        now = timezone.now()
        day = restaurant.local_today(now) + timedelta(days=3)
        for offset in range(7):
            schedule = schedules_for_date([restaurant.pk], day + timedelta(days=offset))[restaurant.pk]
            if schedule.services:
                start, _ = schedule.services[-1]
                services.booking_create(
                    diner=diner,
                    restaurant=restaurant,
                    starts_at=local_datetime(restaurant, day + timedelta(days=offset), start),
                    party_size=2,
                    name=diner.display_name,
                    phone=diner.phone,
                    request="Window seat if possible.",
                    idempotency_key=f"seed-future-{restaurant.pk}",
                )
                return
