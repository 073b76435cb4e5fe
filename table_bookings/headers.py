"""Response headers every page gets, beyond Django's SecurityMiddleware and django-csp.

X-Instance names the instance that answered (INSTANCE_ID, set per instance) so
ops and the cluster tests can see the load balancer at work; X-Request-ID echoes
the id gunicorn put in the access log, so a user's report can be matched to a log line.
"""

from django.conf import settings

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class ResponseHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.INSTANCE_ID:
            response.headers["X-Instance"] = settings.INSTANCE_ID
        request_id = request.META.get("HTTP_X_REQUEST_ID")
        if request_id:
            response.headers["X-Request-ID"] = request_id
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
