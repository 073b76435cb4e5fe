"""Signed, expiring email-verification tokens (no table needed: the signature is the proof)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing

SALT = "accounts.email-verification"
# A link older than this gives a clear "expired" page; the user can ask for a new one.
MAX_AGE_SECONDS = getattr(settings, "EMAIL_VERIFICATION_MAX_AGE", 3 * 24 * 60 * 60)


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


def make_verification_token(user) -> str:
    # The address is part of the payload: after an email change, old links stop working.
    return signing.dumps({"u": user.pk, "e": user.email}, salt=SALT)


def read_verification_token(token: str):
    """The user the token was made for; raises TokenExpired or TokenInvalid."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise TokenExpired from None
    except signing.BadSignature:
        raise TokenInvalid from None
    user = get_user_model().objects.filter(pk=payload.get("u"), is_active=True).first()
    if user is None or user.email != payload.get("e"):
        raise TokenInvalid
    return user
