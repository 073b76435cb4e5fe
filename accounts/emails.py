from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from .tokens import MAX_AGE_SECONDS, make_verification_token


def send_verification_email(user, *, request=None) -> None:
    path = reverse("accounts:verify-email", args=[make_verification_token(user)])
    url = request.build_absolute_uri(path) if request is not None else settings.SITE_URL.rstrip("/") + path
    context = {"user": user, "verify_url": url, "days": MAX_AGE_SECONDS // (24 * 60 * 60)}
    message = EmailMultiAlternatives(
        subject=_("Please confirm your email address for table_bookings"),
        body=render_to_string("email/account_verify.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string("email/account_verify.html", context), "text/html")
    message.send()
