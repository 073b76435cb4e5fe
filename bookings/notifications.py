"""Emails to diners about their bookings. Called after commit, never inside a transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Booking, BookingStatus

logger = logging.getLogger(__name__)

_muted: ContextVar[bool] = ContextVar("booking_emails_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """No booking emails are sent inside this block (demo data must not mail anyone).

    Checked when an email is about to go out, so the transaction whose bookings should stay
    quiet must commit inside the block: its on-commit emails run then.
    """
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def booking_ics(booking: Booking, *, cancelled: bool = False) -> str:
    """An iCalendar event for the visit, so the diner can add it to a calendar."""
    fmt = "%Y%m%dT%H%M%SZ"
    start = booking.starts_at.astimezone(UTC)
    end = start + timedelta(minutes=booking.restaurant.visit_minutes)
    description = _("Booking reference: %(reference)s") % {"reference": booking.reference}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//table_bookings//EN",
        "METHOD:CANCEL" if cancelled else "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{booking.reference}@table-bookings",
        f"DTSTAMP:{timezone.now().astimezone(UTC):{fmt}}",
        f"DTSTART:{start:{fmt}}",
        f"DTEND:{end:{fmt}}",
        f"SUMMARY:{_ics_escape(booking.restaurant.name)} ({booking.party_size})",
        f"LOCATION:{_ics_escape(booking.restaurant.address)}",
        f"DESCRIPTION:{_ics_escape(description)}",
        "STATUS:CANCELLED" if cancelled else "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def _send(booking: Booking, *, template: str, subject: str, ics: bool = False, cancelled: bool = False) -> None:
    email = booking.diner.email if booking.diner_id else ""
    if not email:
        return  # phone and walk-in guests have no address
    if _muted.get():
        logger.info("Not sending %s email for booking %s: emails are muted", template, booking.reference)
        return
    context = {"booking": booking, "restaurant": booking.restaurant, "site_url": settings.SITE_URL.rstrip("/")}
    with timezone.override(booking.restaurant.tz):
        text = render_to_string(f"email/{template}.txt", context)
        html = render_to_string(f"email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[email])
    message.attach_alternative(html, "text/html")
    if ics:
        message.attach(f"booking-{booking.reference}.ics", booking_ics(booking, cancelled=cancelled), "text/calendar")
    try:
        message.send()
    except Exception:
        # The booking stands even if the mail server is down; the diner still sees it on the site.
        logger.exception("Could not send %s email for booking %s", template, booking.reference)


def _load(booking_id: int) -> Booking:
    return Booking.objects.select_related("restaurant", "diner").get(pk=booking_id)


def booking_confirmed(booking_id: int) -> None:
    booking = _load(booking_id)
    subject = _("Your table at %(name)s is booked (%(ref)s)") % {
        "name": booking.restaurant.name,
        "ref": booking.reference,
    }
    _send(booking, template="booking_confirmed", subject=subject, ics=True)


def booking_cancelled(booking_id: int) -> None:
    booking_cancelled_mail(_load(booking_id))


def booking_cancelled_mail(booking: Booking) -> None:
    """The cancellation email from a booking already in memory (its restaurant may be deleted by now)."""
    subject = _("Your booking at %(name)s is cancelled (%(ref)s)") % {
        "name": booking.restaurant.name,
        "ref": booking.reference,
    }
    _send(booking, template="booking_cancelled", subject=subject, ics=True, cancelled=True)


def booking_status_changed(booking_id: int) -> None:
    booking = _load(booking_id)
    if booking.status not in (BookingStatus.NO_SHOW, BookingStatus.COMPLETED):
        return  # seating a guest at the table needs no email
    subject = _("Your visit to %(name)s (%(ref)s)") % {"name": booking.restaurant.name, "ref": booking.reference}
    _send(booking, template="booking_status", subject=subject)
