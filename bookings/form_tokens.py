"""One-time booking-form tokens: a double submit finds the first booking instead of making another."""

import hashlib
import secrets


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def booking_idempotency_key(*, scope: str, user, form_token: str, restaurant, starts_at, party_size) -> str:
    """The key booking_create deduplicates on, derived from the form's token.

    Scoped to the user, so nobody reaches another person's booking by replaying their token;
    and to what is booked, so going Back and changing the time books that time instead of
    answering with the first booking.
    """
    parts = f"{scope}:{user.pk}:{form_token}:{restaurant.pk}:{starts_at.isoformat()}:{party_size}"
    return hashlib.sha256(parts.encode()).hexdigest()


def renew_form_token(form, message) -> None:
    """A form posted without a valid token (an old copy, a stripped field) gets a new one and says so,
    instead of failing the same silent way on every submit."""
    form.data = form.data.copy()
    form.data["form_token"] = new_form_token()
    del form.errors["form_token"]
    form.add_error(None, message)
