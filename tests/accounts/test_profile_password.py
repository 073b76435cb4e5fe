import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.views import MSG_PROFILE_SAVED
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_profile_needs_log_in(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_profile_edits_only_the_own_account(client, diner, other_diner):
    client.force_login(diner)
    response = client.post(
        reverse("accounts:profile"), {"display_name": "Dana D.", "phone": "010-3333-4444"}, follow=True
    )
    assert str(MSG_PROFILE_SAVED) in response.content.decode()
    diner.refresh_from_db()
    other_diner.refresh_from_db()
    assert (diner.display_name, diner.phone) == ("Dana D.", "010-3333-4444")
    assert other_diner.display_name == "Otto Other"


def test_profile_cannot_change_privileges(client, diner):
    client.force_login(diner)
    client.post(
        reverse("accounts:profile"), {"display_name": "X", "phone": "", "is_staff": "on", "email_verified": "on"}
    )
    diner.refresh_from_db()
    assert not diner.is_staff and not diner.email_verified


def test_password_reset_by_email(client, diner):
    response = client.post(reverse("accounts:password-reset"), {"email": diner.email.upper()})
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password-reset/[^\s]+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)  # Django swaps the token for a session marker
    assert response.context["validlink"]
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "brand-new-passphrase", "new_password2": "brand-new-passphrase"})
    assert response["Location"] == reverse("accounts:password-reset-complete")
    diner.refresh_from_db()
    assert diner.check_password("brand-new-passphrase")
    # The link is spent.
    assert not client.get(link, follow=True).context["validlink"]


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert not mail.outbox


def test_password_change(client, diner):
    client.force_login(diner)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": "another-passphrase-9", "new_password2": "another-passphrase-9"},
    )
    assert response["Location"] == reverse("accounts:password-change-done")
    diner.refresh_from_db()
    assert diner.check_password("another-passphrase-9")


def test_pages_render_for_anonymous(client):
    for name in ("accounts:login", "accounts:signup", "accounts:password-reset"):
        assert client.get(reverse(name)).status_code == 200


def test_password_reset_emails_are_limited_per_address_without_telling(client, diner):
    from accounts import ratelimit

    with time_machine.travel(datetime(2030, 6, 3, 1, 0, tzinfo=UTC), tick=False) as traveller:
        for _ in range(ratelimit.EMAILS_PER_ADDRESS + 2):
            response = client.post(reverse("accounts:password-reset"), {"email": diner.email})
            assert response["Location"] == reverse("accounts:password-reset-done")
        assert len(mail.outbox) == ratelimit.EMAILS_PER_ADDRESS
        traveller.shift(timedelta(seconds=ratelimit.EMAIL_WINDOW_SECONDS))
        client.post(reverse("accounts:password-reset"), {"email": diner.email})
        assert len(mail.outbox) == ratelimit.EMAILS_PER_ADDRESS + 1


def test_new_confirmation_links_are_limited(client, diner):
    from accounts import ratelimit

    with time_machine.travel(datetime(2030, 6, 3, 1, 0, tzinfo=UTC), tick=False):
        client.force_login(diner)
        for _ in range(ratelimit.EMAILS_PER_ADDRESS + 1):
            response = client.post(reverse("accounts:verify-email-resend"), follow=True)
        assert len(mail.outbox) == ratelimit.EMAILS_PER_ADDRESS
        assert str(ratelimit.MSG_TOO_MANY_EMAILS) in response.content.decode()
