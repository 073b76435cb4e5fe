"""Health endpoints for the load balancer.

/healthz says the process is up: no database, no S3, whatever the Host header
(ALB health checks use the instance IP). /readyz checks what a request needs.
Both are answered by a middleware placed before SecurityMiddleware and
CommonMiddleware so that neither the HTTPS redirect nor ALLOWED_HOSTS gets in the way.
"""

from django.db import connection
from django.http import HttpResponse


def database_ok() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready"
        return f"database: {exc.__class__.__name__}"
    return ""


def storage_ok() -> str:
    # The same probe as `manage.py storage_check`, read-only and without details: the
    # bucket answers and the static manifest is published (pages cannot render without it).
    from django.core.files.storage import storages

    from table_bookings.storages import probe_storages

    try:
        probe = probe_storages(media=storages["default"], static=storages["staticfiles"], write=False, details=False)
    except Exception as exc:
        return f"media storage: {exc.__class__.__name__}"
    return "; ".join(f"storage: {problem}" for problem in probe.problems)


def cache_ok() -> str:
    # Login rate limits live in the shared cache (Redis, or the database's cache table).
    from django.core.cache import cache

    try:
        cache.get("readyz-probe")
    except Exception as exc:
        return f"cache: {exc.__class__.__name__}"
    return ""


def readiness_problems() -> list[str]:
    return [p for p in (database_ok(), cache_ok(), storage_ok()) if p]


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return HttpResponse("ok", content_type="text/plain")
        if request.path == "/readyz":
            problems = readiness_problems()
            if problems:
                return HttpResponse("not ready: " + "; ".join(problems), status=503, content_type="text/plain")
            return HttpResponse("ready", content_type="text/plain")
        return self.get_response(request)
