from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import ratelimit

MSG_EMAIL_TAKEN = _("An account with this email address already exists. Log in or reset your password.")


class SignUpForm(BaseUserCreationForm):
    class Meta:
        model = get_user_model()
        fields = ("email", "display_name", "phone")
        help_texts = {
            "display_name": _("Shown with your reviews and pre-filled on bookings."),
            "phone": _("The restaurant may call you about your booking."),
        }

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError(MSG_EMAIL_TAKEN, code="email_taken")
        return email


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Django's log-in form, refusing further tries once an account or address failed too often."""

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        ip = ratelimit.client_ip(self.request) if self.request else ""
        if ratelimit.is_blocked(email=email, ip=ip):
            raise ValidationError(
                ratelimit.MSG_TOO_MANY_ATTEMPTS, code="rate_limited", params={"minutes": ratelimit.window_minutes()}
            )
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                ratelimit.record_failure(email=email, ip=ip)
            raise
        ratelimit.record_success(email=email)
        return cleaned


class ProfileForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ("display_name", "phone")
