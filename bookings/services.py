"""Writes with rules or side effects. Views call these; nothing else changes bookings.

Seat inventory is guarded by the database: seats are taken with one conditional
UPDATE (`... SET seats_remaining = seats_remaining - n WHERE seats_remaining >= n`)
and a CHECK constraint keeps the count from going negative, so any number of
processes on any number of instances can book at once without overselling.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import notifications
from .availability import (
    REASON_LEAD_TIME,
    REASON_OUTSIDE_WINDOW,
    REASON_PARTY_TOO_LARGE,
    REASON_PAST,
    schedules_for_date,
    slot_reason,
    slots_for_date,
)
from .models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    Restaurant,
    RestaurantPhoto,
    Review,
    SlotInventory,
)

# Messages users may see; tests assert on these.
MSG_PAST = _("That time has already passed. Please choose a later time.")
MSG_OUTSIDE_WINDOW = _("Bookings open %(days)s days ahead. Please choose a date up to %(last)s.")
MSG_LEAD_TIME = _("Bookings must be made at least %(minutes)s minutes ahead. Please choose a later time.")
MSG_PARTY_TOO_LARGE = _("This restaurant takes parties of up to %(max)s online. Please call them for larger groups.")
MSG_PARTY_TOO_SMALL = _("A booking needs at least one guest.")
MSG_CLOSED = _("The restaurant is closed on that date. Please choose another date.")
MSG_NO_SERVICE = _("The restaurant has no service at that time. Please pick one of the listed times.")
MSG_NOT_ENOUGH_SEATS = _(
    "Sorry, there are not enough seats left at that time. Please choose another time or a smaller party."
)
MSG_OVERLAP = _("You already have a booking at this restaurant around that time. See “My bookings”.")
MSG_CANCEL_CUTOFF = _(
    "Bookings can only be cancelled online until %(hours)s hours before the visit. Please call the restaurant."
)
MSG_NOT_CANCELLABLE = _("This booking is already %(status)s and cannot be cancelled.")
MSG_NOT_YOUR_BOOKING = _("This is not your booking.")
MSG_BAD_TRANSITION = _("A %(current)s booking cannot be marked %(new)s.")
MSG_REVIEW_NOT_ALLOWED = _("You can review a visit once the restaurant has marked it completed.")
MSG_REVIEW_EXISTS = _("You have already reviewed this visit. You can edit your review instead.")
MSG_BAD_RATING = _("Rating must be between 1 and 5.")

_REASON_MESSAGES = {
    REASON_PAST: (MSG_PAST, "past"),
    REASON_OUTSIDE_WINDOW: (MSG_OUTSIDE_WINDOW, "outside_window"),
    REASON_LEAD_TIME: (MSG_LEAD_TIME, "lead_time"),
    REASON_PARTY_TOO_LARGE: (MSG_PARTY_TOO_LARGE, "party_too_large"),
}

# Which status changes staff may make, from -> allowed targets.
TRANSITIONS = {
    BookingStatus.CONFIRMED: {
        BookingStatus.SEATED,
        BookingStatus.COMPLETED,
        BookingStatus.NO_SHOW,
        BookingStatus.CANCELLED,
    },
    BookingStatus.SEATED: {BookingStatus.COMPLETED, BookingStatus.CANCELLED},
    BookingStatus.NO_SHOW: {BookingStatus.CONFIRMED},  # marked by mistake: the guest did arrive
}


def _refuse(reason: str, restaurant: Restaurant, now: datetime):
    message, code = _REASON_MESSAGES[reason]
    params = {
        "days": restaurant.booking_days_ahead,
        "last": restaurant.last_bookable_date(now).isoformat(),
        "minutes": restaurant.min_lead_minutes,
        "max": restaurant.max_party_size,
    }
    raise ValidationError(message, code=code, params=params)


def booking_create(
    *,
    diner,
    restaurant: Restaurant,
    starts_at: datetime,
    party_size: int,
    name: str,
    phone: str,
    request: str = "",
    idempotency_key: str | None = None,
    created_by=None,
    now: datetime | None = None,
) -> Booking:
    """Book a table, taking the seats atomically; a repeated idempotency key returns the first booking.

    `diner` may be None for a phone or walk-in booking entered by staff (`created_by`).
    Raises ValidationError with a code when the booking is refused.
    """
    if idempotency_key:
        existing = Booking.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    try:
        return _booking_create(
            diner=diner,
            restaurant=restaurant,
            starts_at=starts_at,
            party_size=party_size,
            name=name,
            phone=phone,
            request=request,
            idempotency_key=idempotency_key or None,
            created_by=created_by,
            now=now or timezone.now(),
        )
    except IntegrityError:
        # Either the same form arrived twice at once (another process won the key),
        # or the diner's second live booking for this very service hit the unique constraint.
        if idempotency_key:
            existing = Booking.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise ValidationError(MSG_OVERLAP, code="overlap") from None


@transaction.atomic
def _booking_create(
    *, diner, restaurant, starts_at, party_size, name, phone, request, idempotency_key, created_by, now
):
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    if party_size < 1:
        raise ValidationError(MSG_PARTY_TOO_SMALL, code="party_too_small")
    local = starts_at.astimezone(restaurant.tz)
    day = local.date()

    schedule = schedules_for_date([restaurant.pk], day)[restaurant.pk]
    seats_offered = schedule.seats_at(local.time())
    # Seats are checked by the UPDATE below; here only the rules that need no inventory.
    reason = slot_reason(restaurant, starts_at, seats_remaining=party_size, party_size=party_size, now=now)
    if reason:
        _refuse(reason, restaurant, now)
    if schedule.is_closed:
        raise ValidationError(MSG_CLOSED, code="closed")
    if seats_offered is None:
        raise ValidationError(MSG_NO_SERVICE, code="no_service")

    if diner is not None:
        window = timedelta(minutes=restaurant.visit_minutes)
        overlapping = (
            Booking.objects.active()
            .filter(
                diner=diner, restaurant=restaurant, starts_at__gt=starts_at - window, starts_at__lt=starts_at + window
            )
            .exists()
        )
        if overlapping:
            raise ValidationError(MSG_OVERLAP, code="overlap")

    # The first booking of a service creates its inventory row; concurrent first
    # bookings both try, and ON CONFLICT DO NOTHING keeps exactly one.
    SlotInventory.objects.bulk_create(
        [
            SlotInventory(
                restaurant=restaurant, starts_at=starts_at, seats_total=seats_offered, seats_remaining=seats_offered
            )
        ],
        ignore_conflicts=True,
    )
    taken = SlotInventory.objects.filter(
        restaurant=restaurant, starts_at=starts_at, seats_remaining__gte=party_size
    ).update(seats_remaining=F("seats_remaining") - party_size)
    if not taken:
        raise ValidationError(MSG_NOT_ENOUGH_SEATS, code="not_enough_seats")

    booking = Booking.objects.create(
        diner=diner,
        restaurant=restaurant,
        starts_at=starts_at,
        party_size=party_size,
        name=name,
        phone=phone,
        request=request,
        idempotency_key=idempotency_key,
        created_by=created_by or diner,
    )
    transaction.on_commit(lambda: notifications.booking_confirmed(booking.pk))
    return booking


def _return_seats(booking: Booking) -> None:
    SlotInventory.objects.filter(restaurant_id=booking.restaurant_id, starts_at=booking.starts_at).update(
        seats_remaining=F("seats_remaining") + booking.party_size
    )


@transaction.atomic
def booking_cancel(*, booking: Booking, by, reason: str = "", by_restaurant: bool = False, now=None) -> Booking:
    """Cancel a live booking and give its seats back, exactly once.

    A diner (by_restaurant=False) may cancel only their own confirmed booking and only
    until the restaurant's cutoff; staff (by_restaurant=True) may cancel any live booking.
    """
    now = now or timezone.now()
    if not by_restaurant:
        if booking.diner_id != getattr(by, "pk", None):
            raise ValidationError(MSG_NOT_YOUR_BOOKING, code="not_owner")
        if booking.status == BookingStatus.CONFIRMED and not booking.is_cancellable_by_diner(now):
            raise ValidationError(
                MSG_CANCEL_CUTOFF, code="cancel_cutoff", params={"hours": booking.restaurant.cancel_cutoff_hours}
            )
    allowed = ACTIVE_STATUSES if by_restaurant else (BookingStatus.CONFIRMED,)
    # Only the request that flips the status gives the seats back, however many arrive at once.
    changed = Booking.objects.filter(pk=booking.pk, status__in=allowed).update(
        status=BookingStatus.CANCELLED, cancelled_by=by, cancelled_at=now, cancel_reason=reason[:300], updated_at=now
    )
    booking.refresh_from_db()
    if not changed:
        raise ValidationError(
            MSG_NOT_CANCELLABLE, code="not_cancellable", params={"status": booking.get_status_display().lower()}
        )
    _return_seats(booking)
    transaction.on_commit(lambda: notifications.booking_cancelled(booking.pk))
    return booking


@transaction.atomic
def booking_set_status(*, booking: Booking, status: str, by, reason: str = "", now=None) -> Booking:
    """Move a booking along its life (seated, completed, no-show, cancelled by the restaurant)."""
    status = BookingStatus(status)
    if status == BookingStatus.CANCELLED:
        return booking_cancel(booking=booking, by=by, reason=reason, by_restaurant=True, now=now)
    current = BookingStatus(booking.status)
    if status not in TRANSITIONS.get(current, set()):
        raise ValidationError(
            MSG_BAD_TRANSITION,
            code="bad_transition",
            params={"current": current.label.lower(), "new": status.label.lower()},
        )
    changed = Booking.objects.filter(pk=booking.pk, status=current).update(status=status, updated_at=timezone.now())
    booking.refresh_from_db()
    if not changed:
        raise ValidationError(
            MSG_BAD_TRANSITION,
            code="bad_transition",
            params={"current": booking.get_status_display().lower(), "new": status.label.lower()},
        )
    transaction.on_commit(lambda: notifications.booking_status_changed(booking.pk))
    return booking


def _check_rating(rating: int) -> None:
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError(MSG_BAD_RATING, code="bad_rating")


@transaction.atomic
def review_create(*, booking: Booking, diner, rating: int, text: str = "") -> Review:
    """The diner's one review of a completed visit."""
    if booking.diner_id != getattr(diner, "pk", None):
        raise ValidationError(MSG_NOT_YOUR_BOOKING, code="not_owner")
    if not booking.is_reviewable:
        raise ValidationError(MSG_REVIEW_NOT_ALLOWED, code="not_completed")
    _check_rating(rating)
    try:
        with transaction.atomic():
            return Review.objects.create(
                booking=booking, restaurant_id=booking.restaurant_id, diner=diner, rating=rating, text=text
            )
    except IntegrityError:
        raise ValidationError(MSG_REVIEW_EXISTS, code="review_exists") from None


@transaction.atomic
def review_update(*, review: Review, rating: int, text: str = "") -> Review:
    _check_rating(rating)
    review.rating = rating
    review.text = text
    review.save(update_fields=["rating", "text", "updated_at"])
    return review


@transaction.atomic
def review_delete(*, review: Review) -> None:
    review.delete()


def availability(*, restaurant: Restaurant, day: date, party_size: int, now: datetime | None = None):
    """The day's slots for a party, each with seats left and, if unavailable, why."""
    return slots_for_date(restaurant, day, party_size, now)


@transaction.atomic
def photo_add(*, restaurant: Restaurant, upload, alt_text: str = "", is_main: bool = False) -> RestaurantPhoto:
    """Store an uploaded image as a photo of the restaurant (the office validates uploads first)."""
    position = restaurant.photos.count()
    if is_main:
        restaurant.photos.filter(is_main=True).update(is_main=False)
    photo = RestaurantPhoto(restaurant=restaurant, alt_text=alt_text, position=position, is_main=is_main)
    photo.image.save(upload.name, upload, save=False)
    photo.save()
    return photo
