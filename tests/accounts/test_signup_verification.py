import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from accounts.forms import MSG_EMAIL_TAKEN
from accounts.tokens import MAX_AGE_SECONDS, make_verification_token
from accounts.views import MSG_LINK_EXPIRED, MSG_LINK_INVALID, MSG_SIGNED_UP, MSG_VERIFIED

pytestmark = pytest.mark.django_db

User = get_user_model()


def signup(client, **overrides):
    data = {
        "email": "New.Person@Example.com",
        "display_name": "New Person",
        "phone": "010-9999-8888",
        "password1": "a-long-enough-passphrase",
        "password2": "a-long-enough-passphrase",
    }
    data.update(overrides)
    return client.post(reverse("accounts:signup"), data, follow=True)


def verification_link(message):
    return re.search(r"https?://[^/\s]+(/accounts/verify/[^\s]+/)", message.body).group(1)


def test_signup_creates_an_unverified_account_logs_in_and_sends_the_link(client):
    response = signup(client)
    user = User.objects.get()
    assert user.email == "new.person@example.com"
    assert not user.email_verified
    assert response.context["user"] == user
    assert str(MSG_SIGNED_UP) in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.com"]
    assert mail.outbox[0].alternatives  # an HTML part too
    assert verification_link(mail.outbox[0])


def test_signup_refuses_an_email_in_use_whatever_its_case(client, diner):
    response = signup(client, email=diner.email.upper())
    assert str(MSG_EMAIL_TAKEN) in response.content.decode()
    assert User.objects.count() == 1


def test_signup_checks_the_password(client):
    response = signup(client, password2="something-else-entirely")
    assert response.context["form"].errors["password2"]
    response = signup(client, password1="123", password2="123")
    assert response.context["form"].errors
    assert not User.objects.exists()


def test_good_link_shows_a_button_and_the_post_verifies(client):
    signup(client)
    link = verification_link(mail.outbox[0])
    client.logout()  # the link works from another browser too
    response = client.get(link)
    assert response.status_code == 200
    assert not User.objects.get().email_verified  # opening the link changes nothing
    response = client.post(link, follow=True)
    assert str(MSG_VERIFIED) in response.content.decode()
    assert User.objects.get().email_verified


def test_expired_link_gives_a_clear_page(client, diner):
    token = make_verification_token(diner)
    with time_machine.travel(timezone.now() + timedelta(seconds=MAX_AGE_SECONDS + 60)):
        for method in (client.get, client.post):
            response = method(reverse("accounts:verify-email", args=[token]))
            assert response.status_code == 400
            assert str(MSG_LINK_EXPIRED) in response.content.decode()
    diner.refresh_from_db()
    assert not diner.email_verified


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "not-a-token",
        lambda token: signing.dumps({"u": 1, "e": "x@example.com"}, salt="some-other-purpose"),
    ],
)
def test_tampered_link_gives_a_clear_page(client, diner, tamper):
    response = client.post(reverse("accounts:verify-email", args=[tamper(make_verification_token(diner))]))
    assert response.status_code == 400
    assert str(MSG_LINK_INVALID) in response.content.decode()
    diner.refresh_from_db()
    assert not diner.email_verified


def test_link_for_an_old_address_stops_working_after_an_email_change(client, diner):
    token = make_verification_token(diner)
    diner.email = "changed@test.example"
    diner.save()
    assert client.get(reverse("accounts:verify-email", args=[token])).status_code == 400


def test_resend_needs_post_and_log_in(client, diner):
    url = reverse("accounts:verify-email-resend")
    assert client.post(url).status_code == 302 and not mail.outbox
    client.force_login(diner)
    assert client.get(url).status_code == 405
    client.post(url)
    assert len(mail.outbox) == 1
    diner.email_verified = True
    diner.save()
    client.post(url)
    assert len(mail.outbox) == 1


def test_signup_returns_to_the_booking_form_it_came_from(client, restaurant):
    next_url = f"/restaurant/{restaurant.pk}/book/?date=2030-06-04&time=18:00&party_size=2"
    login_page = client.get(reverse("accounts:login"), {"next": next_url}).content.decode()
    assert f"{reverse('accounts:signup')}?next=/restaurant/{restaurant.pk}/book/%3Fdate%3D2030-06-04" in login_page
    response = client.post(
        reverse("accounts:signup") + "?next=x",
        {
            "email": "n@example.com",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
            "next": next_url,
        },
    )
    assert response["Location"] == next_url


def test_signup_ignores_a_next_address_on_another_site(client):
    response = signup(client, next="https://evil.example/")
    assert response.redirect_chain[0][0] == reverse("accounts:profile")
