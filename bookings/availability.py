"""Reads that turn the seating schedule and inventory into bookable slots.

The day's services come from the date's exception if it has one, else from the
weekly template. Seats left come from SlotInventory when someone has booked that
service, else they are the schedule's seats. Everything is read in a fixed number
of queries, however many restaurants or slots are involved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import BooleanField, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Restaurant, SeatingException, SeatingTemplate, SlotInventory

# Why a slot cannot be booked; the office preview shows these, the diner site greys the slot out.
REASON_PAST = "past"
REASON_LEAD_TIME = "lead_time"
REASON_OUTSIDE_WINDOW = "outside_window"
REASON_PARTY_TOO_LARGE = "party_too_large"
REASON_FULL = "full"
REASON_CLOSED = "closed"

REASON_LABELS = {
    REASON_PAST: _("already started"),
    REASON_LEAD_TIME: _("too soon to book"),
    REASON_OUTSIDE_WINDOW: _("outside the booking window"),
    REASON_PARTY_TOO_LARGE: _("party too large"),
    REASON_FULL: _("not enough seats left"),
    REASON_CLOSED: _("closed"),
}


@dataclass(frozen=True)
class DaySchedule:
    """The services of one restaurant on one date: (start time, seats), ordered by time."""

    services: tuple[tuple[time, int], ...]
    is_exception: bool = False
    is_closed: bool = False

    def seats_at(self, start: time) -> int | None:
        for service_time, seats in self.services:
            if service_time == start:
                return seats
        return None


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # aware, in the restaurant's time zone
    seats_total: int
    seats_remaining: int
    reason: str = ""  # empty when bookable

    @property
    def available(self) -> bool:
        return not self.reason

    @property
    def time_label(self) -> str:
        return self.starts_at.strftime("%H:%M")

    @property
    def reason_label(self):
        return REASON_LABELS.get(self.reason, "")

    @property
    def seats_booked(self) -> int:
        return self.seats_total - self.seats_remaining

    def as_json(self) -> dict:
        return {"time": self.time_label, "available": self.available, "remaining_seats": self.seats_remaining}


def schedules_for_date(restaurant_ids, day: date) -> dict[int, DaySchedule]:
    """Each restaurant's services on `day`, in one query.

    The exception rows (LEFT JOINed to their services) and the weekday's template
    rows come back together; an exception, even one without services, wins.
    """
    restaurant_ids = list(restaurant_ids)
    exception_rows = (
        SeatingException.objects.filter(restaurant_id__in=restaurant_ids, date=day)
        .order_by()
        .values_list(
            "restaurant_id",
            Value(True, output_field=BooleanField()),
            "is_closed",
            "services__start_time",
            "services__seats",
        )
    )
    template_rows = (
        SeatingTemplate.objects.filter(restaurant_id__in=restaurant_ids, weekday=day.weekday())
        .order_by()
        .values_list(
            "restaurant_id",
            Value(False, output_field=BooleanField()),
            Value(False, output_field=BooleanField()),
            "start_time",
            "seats",
        )
    )
    exceptions: dict[int, list] = defaultdict(list)
    closed: set[int] = set()
    templates: dict[int, list] = defaultdict(list)
    for rid, from_exception, is_closed, start, seats in exception_rows.union(template_rows, all=True):
        if from_exception:
            exceptions[rid]  # an exception without services still counts  # noqa: B018
            if is_closed:
                closed.add(rid)
            elif start is not None:
                exceptions[rid].append((start, seats))
        else:
            templates[rid].append((start, seats))
    result = {}
    for rid in restaurant_ids:
        if rid in exceptions:
            services = () if rid in closed else tuple(sorted(exceptions[rid]))
            result[rid] = DaySchedule(services=services, is_exception=True, is_closed=rid in closed or not services)
        else:
            services = tuple(sorted(templates.get(rid, ())))
            result[rid] = DaySchedule(services=services, is_closed=not services)
    return result


def local_datetime(restaurant: Restaurant, day: date, start: time) -> datetime:
    return datetime.combine(day, start, tzinfo=restaurant.tz)


def remaining_seats(restaurants, day: date) -> dict[tuple[int, datetime], tuple[int, int]]:
    """(restaurant id, starts_at) -> (seats_total, seats_remaining) for services already booked on `day`."""
    restaurants = list(restaurants)
    if not restaurants:
        return {}
    # Each restaurant's local day is a different UTC window; one wide window covers them all.
    start = datetime.combine(day, time.min, tzinfo=UTC) - timedelta(days=1)
    rows = SlotInventory.objects.filter(
        restaurant_id__in=[r.pk for r in restaurants], starts_at__gte=start, starts_at__lt=start + timedelta(days=3)
    ).values_list("restaurant_id", "starts_at", "seats_total", "seats_remaining")
    return {(rid, starts_at): (total, remaining) for rid, starts_at, total, remaining in rows}


def _day_reason(restaurant: Restaurant, day: date, party_size: int, now: datetime) -> str:
    today = restaurant.local_today(now)
    if day < today:
        return REASON_PAST
    if day > restaurant.last_bookable_date(now):
        return REASON_OUTSIDE_WINDOW
    if party_size > restaurant.max_party_size:
        return REASON_PARTY_TOO_LARGE
    return ""


def slot_reason(
    restaurant: Restaurant, starts_at: datetime, seats_remaining: int, party_size: int, now: datetime
) -> str:
    """Why this party cannot book this service now ('' if it can)."""
    reason = _day_reason(restaurant, starts_at.astimezone(restaurant.tz).date(), party_size, now)
    if reason:
        return reason
    if starts_at <= now:
        return REASON_PAST
    if starts_at < now + timedelta(minutes=restaurant.min_lead_minutes):
        return REASON_LEAD_TIME
    if seats_remaining < party_size:
        return REASON_FULL
    return ""


def slots_for_many(restaurants, day: date, party_size: int, now: datetime | None = None) -> dict[int, list[Slot]]:
    """Slots of each restaurant on `day` for a party, in two queries whatever the count."""
    now = now or timezone.now()
    restaurants = list(restaurants)
    schedules = schedules_for_date([r.pk for r in restaurants], day)
    inventory = remaining_seats(restaurants, day)
    result = {}
    for restaurant in restaurants:
        slots = []
        for start, seats in schedules[restaurant.pk].services:
            starts_at = local_datetime(restaurant, day, start)
            total, remaining = inventory.get((restaurant.pk, starts_at), (seats, seats))
            reason = slot_reason(restaurant, starts_at, remaining, party_size, now)
            slots.append(Slot(starts_at=starts_at, seats_total=total, seats_remaining=remaining, reason=reason))
        result[restaurant.pk] = slots
    return result


def slots_for_date(restaurant: Restaurant, day: date, party_size: int, now: datetime | None = None) -> list[Slot]:
    """The restaurant's slots on `day` for a party of `party_size`, bookable or not (with the reason)."""
    return slots_for_many([restaurant], day, party_size, now)[restaurant.pk]


def bookable_restaurant_ids(restaurants, day: date, party_size: int, now: datetime | None = None) -> set[int]:
    """Ids of the restaurants with at least one slot that fits the party on `day`."""
    return {
        rid
        for rid, slots in slots_for_many(restaurants, day, party_size, now).items()
        if any(s.available for s in slots)
    }
