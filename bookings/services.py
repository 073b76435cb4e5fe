"""Writes with rules or side effects. Views call these; nothing else changes bookings.

Seat inventory is guarded by the database: seats are taken with one conditional
UPDATE (`... SET seats_remaining = seats_remaining - n WHERE seats_remaining >= n`)
and a CHECK constraint keeps the count from going negative, so any number of
processes on any number of instances can book at once without overselling.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import images, notifications
from .availability import (
    REASON_LEAD_TIME,
    REASON_OUTSIDE_WINDOW,
    REASON_PARTY_TOO_LARGE,
    REASON_PAST,
    local_datetime,
    schedules_for_date,
    slot_reason,
    slots_for_date,
)
from .models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    MemberRole,
    Restaurant,
    RestaurantMember,
    RestaurantPhoto,
    Review,
    SeatingException,
    SeatingExceptionService,
    SeatingTemplate,
    SlotInventory,
)

logger = logging.getLogger(__name__)

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
    by_restaurant: bool = False,
    now: datetime | None = None,
) -> Booking:
    """Book a table, taking the seats atomically; a repeated idempotency key returns the first booking.

    `diner` may be None for a phone or walk-in booking entered by staff (`created_by`).
    Staff entries (`by_restaurant=True`) follow the same seat rules but not the online-only
    ones: no lead time, booking window or online party limit, and a walk-in may join a
    service that started less than a visit's length ago.
    Raises ValidationError with a code when the booking is refused.
    """
    if existing := _booking_for_key(idempotency_key):
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
            by_restaurant=by_restaurant,
            now=now or timezone.now(),
        )
    except ValidationError:
        # A copy of the form that arrived a moment later can be refused for the booking the
        # first copy just made (overlap, seats gone); the diner should see that booking.
        if existing := _booking_for_key(idempotency_key):
            return existing
        raise
    except IntegrityError:
        # Either the same form arrived twice at once (another process won the key),
        # or the diner's second live booking for this very service hit the unique constraint.
        if existing := _booking_for_key(idempotency_key):
            return existing
        raise ValidationError(MSG_OVERLAP, code="overlap") from None


def _booking_for_key(idempotency_key: str | None) -> Booking | None:
    return Booking.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None


@transaction.atomic
def _booking_create(
    *, diner, restaurant, starts_at, party_size, name, phone, request, idempotency_key, created_by, by_restaurant, now
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
    if by_restaurant:
        walk_in_until = starts_at + timedelta(minutes=restaurant.visit_minutes)
        reason = REASON_PAST if walk_in_until <= now else ""
    else:
        reason = slot_reason(restaurant, starts_at, seats_remaining=party_size, party_size=party_size, now=now)
    if reason:
        _refuse(reason, restaurant, now)
    if schedule.is_closed:
        raise ValidationError(MSG_CLOSED, code="closed")
    if seats_offered is None:
        raise ValidationError(MSG_NO_SERVICE, code="no_service")

    if diner is not None:
        # Lock the diner's row first: two near-simultaneous bookings by one diner on two
        # instances then check for overlaps one after the other, never both at once.
        list(get_user_model().objects.select_for_update().filter(pk=diner.pk).values_list("pk", flat=True))
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


def photo_add(*, restaurant: Restaurant, upload, alt_text: str = "", is_main: bool = False) -> RestaurantPhoto:
    """Check an upload, store it without metadata plus its derived sizes, and add it to the gallery.

    Raises ValidationError (see bookings.images) before anything is stored; if storing
    fails half-way, the files already written are removed again.
    """
    processed = images.process_upload(upload)  # the slow part, outside any transaction
    photo = RestaurantPhoto(
        restaurant=restaurant,
        alt_text=alt_text[:200],
        is_main=is_main,
        width=processed.width,
        height=processed.height,
    )
    written: list[str] = []
    storage = photo.image.storage
    try:
        photo.image.save(processed.original_name, ContentFile(processed.original), save=False)
        written.append(photo.image.name)
        for size, data in processed.derived.items():
            field_file = getattr(photo, size)
            field_file.save(processed.derived_name(size), ContentFile(data), save=False)
            written.append(field_file.name)
        _photo_insert(photo)
    except BaseException:
        _delete_files(storage, written)
        raise
    return photo


@transaction.atomic
def _photo_insert(photo: RestaurantPhoto) -> None:
    # Lock the restaurant row so two uploads at once get distinct positions and one main photo.
    _lock_restaurant(photo.restaurant_id)
    last = RestaurantPhoto.objects.filter(restaurant_id=photo.restaurant_id).aggregate(last=Max("position"))["last"]
    photo.position = 0 if last is None else last + 1
    if photo.is_main:
        RestaurantPhoto.objects.filter(restaurant_id=photo.restaurant_id, is_main=True).update(is_main=False)
    photo.save()


# --- Office: photos, restaurants, members and seating -------------------------------------

MSG_LAST_OWNER = _("A restaurant needs at least one owner. Make someone else owner first.")
MSG_NO_SUCH_USER = _("No account uses the email %(email)s. Ask them to sign up first.")
MSG_ALREADY_MEMBER = _("%(email)s is already a member of this restaurant.")
MSG_DUPLICATE_SERVICE = _("Two services start at %(time)s on the same day. Each start time may appear once.")
MSG_SEATS_BELOW_BOOKED = _(
    "This change would leave fewer seats than are already booked. "
    "Nothing was saved. Move or cancel these bookings first, or keep more seats:"
)
MSG_RESTAURANT_CLOSED = _("The restaurant no longer takes bookings through table_bookings.")


def _lock_restaurant(restaurant_id) -> None:
    """Serialise office edits of one restaurant.

    FOR NO KEY UPDATE: bookings being inserted at the same time take a key-share lock on
    the restaurant row (the foreign key check), which this does not block, so a booking
    and a seating change never deadlock over it.
    """
    Restaurant.objects.select_for_update(no_key=True).filter(pk=restaurant_id).first()


class SeatsBelowBooked(ValidationError):
    """A seating change refused because booked seats would not fit; `bookings` are the ones affected."""

    def __init__(self, bookings):
        super().__init__(MSG_SEATS_BELOW_BOOKED, code="seats_below_booked")
        self.bookings = bookings


def _delete_files(storage, names) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            # A leftover file costs a few bytes; failing the user's request over it would not help.
            logger.exception("Could not delete stored file %s", name)


def _photo_files(photo: RestaurantPhoto) -> list[str]:
    return [f.name for f in (photo.image, photo.thumb, photo.card, photo.large) if f]


@transaction.atomic
def photo_delete(*, photo: RestaurantPhoto) -> None:
    """Remove a photo and, once that is committed, its original and derived files."""
    storage, names = photo.image.storage, _photo_files(photo)
    photo.delete()
    transaction.on_commit(lambda: _delete_files(storage, names))


@transaction.atomic
def photo_update(*, photo: RestaurantPhoto, alt_text: str) -> RestaurantPhoto:
    photo.alt_text = alt_text.strip()[:200]
    photo.save(update_fields=["alt_text"])
    return photo


@transaction.atomic
def photo_set_main(*, photo: RestaurantPhoto) -> RestaurantPhoto:
    """Make this the restaurant's main photo (the one on cards and at the top of its page)."""
    _lock_restaurant(photo.restaurant_id)
    RestaurantPhoto.objects.filter(restaurant_id=photo.restaurant_id, is_main=True).exclude(pk=photo.pk).update(
        is_main=False
    )
    RestaurantPhoto.objects.filter(pk=photo.pk).update(is_main=True)
    photo.is_main = True
    return photo


@transaction.atomic
def photo_move(*, photo: RestaurantPhoto, offset: int) -> None:
    """Move a photo `offset` places in the gallery order (negative: earlier) and renumber the rest."""
    _lock_restaurant(photo.restaurant_id)
    photos = list(RestaurantPhoto.objects.filter(restaurant_id=photo.restaurant_id).order_by("position", "id"))
    ids = [p.pk for p in photos]
    index = ids.index(photo.pk)
    ids.insert(max(0, min(len(ids) - 1, index + offset)), ids.pop(index))
    current = {p.pk: p.position for p in photos}
    for position, pk in enumerate(ids):
        if current[pk] != position:
            RestaurantPhoto.objects.filter(pk=pk).update(position=position)


@transaction.atomic
def restaurant_create(*, restaurant: Restaurant, owner) -> Restaurant:
    """Save a new restaurant; the person creating it becomes its owner."""
    restaurant.save()
    RestaurantMember.objects.create(user=owner, restaurant=restaurant, role=MemberRole.OWNER)
    return restaurant


@transaction.atomic
def restaurant_delete(*, restaurant: Restaurant, by, now: datetime | None = None) -> int:
    """Delete a restaurant; its future live bookings are cancelled by the restaurant first.

    The restaurant disappears from the diner site and the office, its team loses access and
    its photos are removed (files after commit), but the row stays: diners keep their past
    visits, and reviews their restaurant. The diners of cancelled bookings are emailed after
    commit. Returns how many bookings were cancelled.
    """
    now = now or timezone.now()
    # Inventory rows first: a booking that already took seats finishes (it needs a key-share
    # lock on the restaurant row) before the restaurant row is locked for the delete.
    list(SlotInventory.objects.select_for_update().filter(restaurant=restaurant).values_list("pk", flat=True))
    Restaurant.objects.select_for_update().filter(pk=restaurant.pk).first()
    future = Booking.objects.filter(restaurant=restaurant, starts_at__gte=now, status__in=ACTIVE_STATUSES)
    ids = list(future.values_list("pk", flat=True))
    reason = str(MSG_RESTAURANT_CLOSED)
    future.update(
        status=BookingStatus.CANCELLED, cancelled_by=by, cancelled_at=now, cancel_reason=reason, updated_at=now
    )
    cancelled = list(Booking.objects.select_related("restaurant", "diner").filter(pk__in=ids))
    storage = RestaurantPhoto._meta.get_field("image").storage
    names = [name for photo in restaurant.photos.all() for name in _photo_files(photo)]
    restaurant.photos.all().delete()
    restaurant.members.all().delete()
    Restaurant.objects.filter(pk=restaurant.pk).update(
        deleted_at=now, is_visible=False, is_featured=False, updated_at=now
    )

    def after_commit():
        for booking in cancelled:
            notifications.booking_cancelled_mail(booking)
        _delete_files(storage, names)

    transaction.on_commit(after_commit)
    return len(cancelled)


@transaction.atomic
def member_add(*, restaurant: Restaurant, email: str, role: str = MemberRole.STAFF) -> RestaurantMember:
    """Give an existing account access to the restaurant's office."""
    email = email.strip()
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        raise ValidationError(MSG_NO_SUCH_USER, code="no_such_user", params={"email": email})
    member, created = RestaurantMember.objects.get_or_create(
        user=user, restaurant=restaurant, defaults={"role": MemberRole(role)}
    )
    if not created:
        raise ValidationError(MSG_ALREADY_MEMBER, code="already_member", params={"email": user.email})
    return member


@transaction.atomic
def member_remove(*, member: RestaurantMember) -> None:
    _lock_restaurant(member.restaurant_id)
    if member.role == MemberRole.OWNER:
        owners = RestaurantMember.objects.filter(restaurant_id=member.restaurant_id, role=MemberRole.OWNER)
        if owners.count() <= 1:
            raise ValidationError(MSG_LAST_OWNER, code="last_owner")
    member.delete()


def _check_unique_times(times) -> None:
    seen = set()
    for key in times:
        if key in seen:
            raise ValidationError(MSG_DUPLICATE_SERVICE, code="duplicate_service", params={"time": f"{key[-1]:%H:%M}"})
        seen.add(key)


def _services_by_date(restaurant: Restaurant, first: date, last: date) -> dict[date, dict[time, int]]:
    """{date: {start time: seats}} from first to last (inclusive), in two queries."""
    weekly = defaultdict(dict)
    for weekday, start, seats in SeatingTemplate.objects.filter(restaurant=restaurant).values_list(
        "weekday", "start_time", "seats"
    ):
        weekly[weekday][start] = seats
    exceptions = SeatingException.objects.filter(restaurant=restaurant, date__gte=first, date__lte=last)
    special = {
        e.date: {} if e.is_closed else {s.start_time: s.seats for s in e.services.all()}
        for e in exceptions.prefetch_related("services")
    }
    days = ((first + timedelta(days=n)) for n in range((last - first).days + 1))
    return {day: special[day] if day in special else weekly[day.weekday()] for day in days}


def _bookable_services(restaurant: Restaurant, now: datetime) -> dict[date, dict[time, int]]:
    return _services_by_date(restaurant, restaurant.local_today(now), restaurant.last_bookable_date(now))


def _inventory_follow_schedule(restaurant: Restaurant, now: datetime, before: dict[date, dict[time, int]]) -> None:
    """Bring future inventory in line with the (just changed) schedule, or refuse.

    Runs inside the caller's transaction after the schedule rows are written; `before` is
    the bookable schedule as it was. First every service bookable before or after the change
    gets its inventory row, with the new seat count (0 for a service that is gone): a
    booking that read the old schedule a moment ago then finds this row (its own insert
    does nothing, or waits for ours) instead of creating one with the old count. A service
    that is gone keeps such a row with no seats. Then the rows are locked,
    and each is changed with a conditional UPDATE that keeps the seats already booked, so a
    booking taken at the same moment is never squeezed out: if it does not fit, the whole
    change is rolled back and the affected bookings are listed.
    """
    tz = restaurant.tz
    today, last_bookable = restaurant.local_today(now), restaurant.last_bookable_date(now)
    after = _bookable_services(restaurant, now)
    rows_to_have = []
    for day, services in after.items():
        for start in services.keys() | before.get(day, {}).keys():
            starts_at = local_datetime(restaurant, day, start)
            if starts_at >= now:
                seats = services.get(start, 0)
                rows_to_have.append(
                    SlotInventory(restaurant=restaurant, starts_at=starts_at, seats_total=seats, seats_remaining=seats)
                )
    SlotInventory.objects.bulk_create(rows_to_have, ignore_conflicts=True, batch_size=500)
    rows = list(
        SlotInventory.objects.select_for_update()
        .filter(restaurant=restaurant, starts_at__gte=now)
        .order_by("starts_at")
    )
    last_row_day = max((row.starts_at.astimezone(tz).date() for row in rows), default=today)
    schedule = _services_by_date(restaurant, today, max(last_bookable, last_row_day))
    conflicts = []
    for row in rows:
        local = row.starts_at.astimezone(tz)
        # A dropped service or closed day keeps its row with no seats (only if nothing is booked):
        # a booking that read the old schedule then finds no seats instead of making a new row.
        offered = schedule[local.date()].get(local.time(), 0)
        if offered == row.seats_total:
            continue
        # new remaining = offered - booked = remaining + (offered - total), and must stay >= 0
        changed = SlotInventory.objects.filter(
            pk=row.pk, seats_total=row.seats_total, seats_remaining__gte=row.seats_total - offered
        ).update(seats_total=offered, seats_remaining=F("seats_remaining") + (offered - row.seats_total))
        if not changed:
            conflicts.append(row.starts_at)
    if conflicts:
        affected = list(
            Booking.objects.active()
            .filter(restaurant=restaurant, starts_at__in=conflicts)
            .select_related("restaurant")
            .order_by("starts_at", "id")
        )
        raise SeatsBelowBooked(affected)


@transaction.atomic
def seating_weekly_set(*, restaurant: Restaurant, services, now: datetime | None = None) -> None:
    """Replace the weekly template with `services`: (weekday, start time, seats) triples.

    Refused with SeatsBelowBooked (nothing saved) when a future booked service would lose
    seats it has already sold.
    """
    services = [(int(weekday), start, int(seats)) for weekday, start, seats in services]
    _check_unique_times((weekday, start) for weekday, start, _seats in services)
    _lock_restaurant(restaurant.pk)
    now = now or timezone.now()
    before = _bookable_services(restaurant, now)
    SeatingTemplate.objects.filter(restaurant=restaurant).delete()
    SeatingTemplate.objects.bulk_create(
        SeatingTemplate(restaurant=restaurant, weekday=weekday, start_time=start, seats=seats)
        for weekday, start, seats in services
    )
    _inventory_follow_schedule(restaurant, now, before)


@transaction.atomic
def seating_exception_set(
    *,
    restaurant: Restaurant,
    day: date,
    is_closed: bool,
    note: str = "",
    services: list[tuple[time, int]] = (),
    now: datetime | None = None,
) -> SeatingException:
    """Make `day` closed, or give it its own services instead of the weekly ones."""
    services = [] if is_closed else [(start, int(seats)) for start, seats in services]
    _check_unique_times(((start,) for start, _seats in services))
    _lock_restaurant(restaurant.pk)
    now = now or timezone.now()
    before = _bookable_services(restaurant, now)
    exception, _created = SeatingException.objects.update_or_create(
        restaurant=restaurant, date=day, defaults={"is_closed": is_closed, "note": note[:200]}
    )
    exception.services.all().delete()
    SeatingExceptionService.objects.bulk_create(
        SeatingExceptionService(exception=exception, start_time=start, seats=seats) for start, seats in services
    )
    _inventory_follow_schedule(restaurant, now, before)
    return exception


@transaction.atomic
def seating_exception_delete(*, exception: SeatingException, now: datetime | None = None) -> None:
    """Let the date follow the weekly template again (refused if that would drop booked seats)."""
    restaurant = exception.restaurant
    _lock_restaurant(restaurant.pk)
    now = now or timezone.now()
    before = _bookable_services(restaurant, now)
    exception.delete()
    _inventory_follow_schedule(restaurant, now, before)
