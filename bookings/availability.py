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

from django.db.models import BooleanField, DateField, IntegerField, Value
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


def schedules_for_dates(restaurant_ids, days) -> dict[tuple[int, date], DaySchedule]:
    """Each restaurant's services on each of `days`, in one query: (restaurant id, day) -> DaySchedule.

    The exception rows (LEFT JOINed to their services) and the weekdays' template
    rows come back together; a date's exception, even one without services, wins.
    """
    restaurant_ids, days = list(restaurant_ids), list(days)
    exception_rows = (
        SeatingException.objects.filter(restaurant_id__in=restaurant_ids, date__in=days)
        .order_by()
        .values_list(
            "restaurant_id",
            "date",
            Value(None, output_field=IntegerField()),
            "is_closed",
            "services__start_time",
            "services__seats",
        )
    )
    template_rows = (
        SeatingTemplate.objects.filter(restaurant_id__in=restaurant_ids, weekday__in={d.weekday() for d in days})
        .order_by()
        .values_list(
            "restaurant_id",
            Value(None, output_field=DateField()),
            "weekday",
            Value(False, output_field=BooleanField()),
            "start_time",
            "seats",
        )
    )
    exceptions: dict[tuple[int, date], list] = {}
    closed: set[tuple[int, date]] = set()
    templates: dict[tuple[int, int], list] = defaultdict(list)
    for rid, exception_day, weekday, is_closed, start, seats in exception_rows.union(template_rows, all=True):
        if exception_day is not None:
            services = exceptions.setdefault((rid, exception_day), [])
            if is_closed:
                closed.add((rid, exception_day))
            elif start is not None:
                services.append((start, seats))
        else:
            templates[(rid, weekday)].append((start, seats))
    result = {}
    for rid in restaurant_ids:
        for day in days:
            key = (rid, day)
            if key in exceptions:
                services = () if key in closed else tuple(sorted(exceptions[key]))
                result[key] = DaySchedule(services=services, is_exception=True, is_closed=not services)
            else:
                services = tuple(sorted(templates.get((rid, day.weekday()), ())))
                result[key] = DaySchedule(services=services, is_closed=not services)
    return result


def schedules_for_date(restaurant_ids, day: date) -> dict[int, DaySchedule]:
    """Each restaurant's services on `day`, in one query."""
    return {rid: schedule for (rid, _), schedule in schedules_for_dates(restaurant_ids, [day]).items()}


def local_datetime(restaurant: Restaurant, day: date, start: time) -> datetime:
    return datetime.combine(day, start, tzinfo=restaurant.tz)


def remaining_seats(restaurants, days) -> dict[tuple[int, datetime], tuple[int, int]]:
    """(restaurant id, starts_at) -> (seats_total, seats_remaining) for services already booked on `days`."""
    restaurants, days = list(restaurants), list(days)
    if not restaurants:
        return {}
    # Each restaurant's local day is a different UTC window; one wide window covers them all.
    start = datetime.combine(min(days), time.min, tzinfo=UTC) - timedelta(days=1)
    end = datetime.combine(max(days), time.min, tzinfo=UTC) + timedelta(days=2)
    rows = SlotInventory.objects.filter(
        restaurant_id__in=[r.pk for r in restaurants], starts_at__gte=start, starts_at__lt=end
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


def slots_for_days(
    restaurants, days, party_size: int, now: datetime | None = None
) -> dict[tuple[int, date], list[Slot]]:
    """Slots of each restaurant on each of `days` for a party, in two queries whatever the counts."""
    now = now or timezone.now()
    restaurants, days = list(restaurants), list(days)
    schedules = schedules_for_dates([r.pk for r in restaurants], days)
    inventory = remaining_seats(restaurants, days)
    result = {}
    for restaurant in restaurants:
        for day in days:
            slots = []
            for start, seats in schedules[(restaurant.pk, day)].services:
                starts_at = local_datetime(restaurant, day, start)
                total, remaining = inventory.get((restaurant.pk, starts_at), (seats, seats))
                reason = slot_reason(restaurant, starts_at, remaining, party_size, now)
                slots.append(Slot(starts_at=starts_at, seats_total=total, seats_remaining=remaining, reason=reason))
            result[(restaurant.pk, day)] = slots
    return result


def slots_for_many(restaurants, day: date, party_size: int, now: datetime | None = None) -> dict[int, list[Slot]]:
    """Slots of each restaurant on `day` for a party, in two queries whatever the count."""
    return {rid: slots for (rid, _), slots in slots_for_days(restaurants, [day], party_size, now).items()}


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
