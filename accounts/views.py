from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from . import ratelimit
from .emails import send_verification_email
from .forms import ProfileForm, RateLimitedAuthenticationForm, SignUpForm
from .tokens import TokenExpired, TokenInvalid, read_verification_token

MSG_SIGNED_UP = _("Welcome! We have sent you an email: please follow its link to confirm your address.")
MSG_VERIFIED = _("Thank you, your email address is confirmed.")
MSG_VERIFICATION_SENT = _("We have sent you a new confirmation link.")
MSG_ALREADY_VERIFIED = _("Your email address is already confirmed.")
MSG_LINK_EXPIRED = _("This confirmation link has expired. Log in and ask for a new one from your profile.")
MSG_LINK_INVALID = _(
    "This confirmation link is not valid. Please copy the whole link from the email, or ask for a new one."
)
MSG_PROFILE_SAVED = _("Your profile is saved.")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = RateLimitedAuthenticationForm
    redirect_authenticated_user = True


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("web:home")
    form = SignUpForm(request.POST or None)
    # Like log-in, sign-up returns the diner to what they were doing (a booking form, say).
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="accounts.backends.EmailBackend")
        send_verification_email(user, request=request)
        messages.success(request, MSG_SIGNED_UP)
        return redirect(next_url or "accounts:profile")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def verify_email(request, token):
    # Opening the link only shows a button: mail scanners that prefetch links change nothing.
    try:
        user = read_verification_token(token)
    except TokenExpired:
        return render(request, "accounts/verify_email.html", {"error": MSG_LINK_EXPIRED}, status=400)
    except TokenInvalid:
        return render(request, "accounts/verify_email.html", {"error": MSG_LINK_INVALID}, status=400)
    if request.method == "POST":
        if not user.email_verified:
            user.email_verified = True
            user.save(update_fields=["email_verified"])
        messages.success(request, MSG_VERIFIED)
        return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")
    return render(request, "accounts/verify_email.html", {"verify_user": user})


@login_required
@require_POST
def resend_verification(request):
    if request.user.email_verified:
        messages.info(request, MSG_ALREADY_VERIFIED)
    elif not ratelimit.email_allowed(purpose="verify", address=request.user.email, ip=ratelimit.client_ip(request)):
        messages.error(request, ratelimit.MSG_TOO_MANY_EMAILS)
    else:
        send_verification_email(request.user, request=request)
        messages.success(request, MSG_VERIFICATION_SENT)
    return redirect("accounts:profile")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view, sending at most a few emails per address and client per hour.

    Over the limit the page says the same as always ("if an account exists, we have sent
    a link"), so it tells nobody which addresses have accounts.
    """

    template_name = "accounts/password_reset_form.html"
    subject_template_name = "email/account_password_reset_subject.txt"
    email_template_name = "email/account_password_reset.txt"
    html_email_template_name = "email/account_password_reset.html"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        allowed = ratelimit.email_allowed(
            purpose="password-reset", address=form.cleaned_data["email"], ip=ratelimit.client_ip(self.request)
        )
        if not allowed:
            return redirect(self.get_success_url())
        return super().form_valid(form)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, MSG_PROFILE_SAVED)
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})
