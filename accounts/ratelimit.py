"""Rate limits for log-in attempts and for the emails anyone can make us send.

Counters live in the Django cache, which every instance shares (the database cache
by default, Redis when REDIS_URL is set), so an attacker gains nothing by spreading
attempts over instances. Windows are fixed and aligned to the clock: the window's
number is part of the key, so a counter ends with its window on every backend (the
database cache's incr() rewrites the entry and would otherwise push its expiry out).
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

# Log-in: failures per account and per client address.
ACCOUNT_LIMIT = getattr(settings, "LOGIN_FAILURES_PER_ACCOUNT", 5)
IP_LIMIT = getattr(settings, "LOGIN_FAILURES_PER_IP", 20)
WINDOW_SECONDS = getattr(settings, "LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)

# Emails on request (password reset, a new confirmation link): per address and per client, per hour.
EMAILS_PER_ADDRESS = 3
EMAILS_PER_IP = 20
EMAIL_WINDOW_SECONDS = 60 * 60

MSG_TOO_MANY_ATTEMPTS = _(
    "Too many failed log-in attempts. Please wait %(minutes)s minutes and try again, or reset your password."
)
MSG_TOO_MANY_EMAILS = _("We have already sent several emails to this address. Please check your inbox and spam folder.")


def _key(kind: str, value: str, window_seconds: int = WINDOW_SECONDS) -> str:
    # Hashed: cache keys must be short and safe whatever the user typed.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
    window = int(time.time() // window_seconds)
    return f"rate:{kind}:{digest}:{window_seconds}:{window}"


def _count(key: str, window_seconds: int) -> None:
    # add() creates the counter only if it is missing; incr() then counts in the shared store.
    cache.add(key, 0, timeout=window_seconds + 60)
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window_seconds + 60)
    # The database cache's incr() re-saves with the default timeout; keep the counter for its whole window.
    cache.touch(key, timeout=window_seconds + 60)


def _over(limits) -> bool:
    counts = cache.get_many([key for key, _limit in limits])
    return any(counts.get(key, 0) >= limit for key, limit in limits)


def client_ip(request) -> str:
    """The client's address; behind the load balancer, the one the balancer appended last."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # Only the right-most entry was written by our own proxy; earlier ones are the client's word.
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


# --- Log-in ---------------------------------------------------------------------


def _login_limits(*, email: str, ip: str):
    limits = [(_key("login-account", email), ACCOUNT_LIMIT)]
    if ip:
        limits.append((_key("login-ip", ip), IP_LIMIT))
    return limits


def is_blocked(*, email: str, ip: str) -> bool:
    return _over(_login_limits(email=email, ip=ip))


def record_failure(*, email: str, ip: str) -> None:
    for key, _limit in _login_limits(email=email, ip=ip):
        _count(key, WINDOW_SECONDS)


def record_success(*, email: str) -> None:
    cache.delete(_key("login-account", email))


def window_minutes() -> int:
    return max(1, WINDOW_SECONDS // 60)


# --- Emails on request --------------------------------------------------------------


def email_allowed(*, purpose: str, address: str, ip: str) -> bool:
    """Count one email of this purpose to the address; False (and nothing counted) once over the limit."""
    limits = [(_key(f"{purpose}-address", address, EMAIL_WINDOW_SECONDS), EMAILS_PER_ADDRESS)]
    if ip:
        limits.append((_key(f"{purpose}-ip", ip, EMAIL_WINDOW_SECONDS), EMAILS_PER_IP))
    if _over(limits):
        return False
    for key, _limit in limits:
        _count(key, EMAIL_WINDOW_SECONDS)
    return True
