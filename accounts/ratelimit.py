"""Log-in rate limits per account and per client address.

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

ACCOUNT_LIMIT = getattr(settings, "LOGIN_FAILURES_PER_ACCOUNT", 5)
IP_LIMIT = getattr(settings, "LOGIN_FAILURES_PER_IP", 20)
WINDOW_SECONDS = getattr(settings, "LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)

MSG_TOO_MANY_ATTEMPTS = _(
    "Too many failed log-in attempts. Please wait %(minutes)s minutes and try again, or reset your password."
)


def _key(kind: str, value: str) -> str:
    # Hashed: cache keys must be short and safe whatever the user typed.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
    window = int(time.time() // WINDOW_SECONDS)
    return f"login-failures:{kind}:{digest}:{window}"


def client_ip(request) -> str:
    """The client's address; behind the load balancer, the one the balancer appended last."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # Only the right-most entry was written by our own proxy; earlier ones are the client's word.
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _keys(*, email: str, ip: str):
    keys = [(_key("account", email), ACCOUNT_LIMIT)]
    if ip:
        keys.append((_key("ip", ip), IP_LIMIT))
    return keys


def is_blocked(*, email: str, ip: str) -> bool:
    counts = cache.get_many([key for key, _limit in _keys(email=email, ip=ip)])
    return any(counts.get(key, 0) >= limit for key, limit in _keys(email=email, ip=ip))


def record_failure(*, email: str, ip: str) -> None:
    for key, _limit in _keys(email=email, ip=ip):
        # add() creates the counter only if it is missing; incr() then counts in the shared store.
        cache.add(key, 0, timeout=WINDOW_SECONDS + 60)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=WINDOW_SECONDS + 60)
        # The database cache's incr() re-saves with the default timeout; keep the counter for its whole window.
        cache.touch(key, timeout=WINDOW_SECONDS + 60)


def record_success(*, email: str) -> None:
    cache.delete(_key("account", email))


def window_minutes() -> int:
    return max(1, WINDOW_SECONDS // 60)
