from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts import ratelimit
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

# Windows are aligned to the clock (see accounts.ratelimit); this instant starts one.
WINDOW_START = datetime(2030, 6, 3, 1, 0, tzinfo=UTC)


def login(client, email, password, ip="203.0.113.7"):
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def blocked(response):
    message = ratelimit.MSG_TOO_MANY_ATTEMPTS % {"minutes": ratelimit.window_minutes()}
    return response.status_code == 200 and message in response.content.decode()


def test_login_works_with_the_email_in_any_case(client, diner):
    response = login(client, diner.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(diner.pk)


def test_login_returns_to_the_page_asked_for(client, diner, restaurant):
    next_url = reverse("web:book", args=[restaurant.pk]) + "?date=2030-06-04&time=18:00&party_size=2"
    response = client.post(
        reverse("accounts:login") + "?next=x", {"username": diner.email, "password": PASSWORD, "next": next_url}
    )
    assert response["Location"] == next_url


def test_account_limit_blocks_even_the_right_password_until_the_window_passes(client, diner):
    with time_machine.travel(WINDOW_START, tick=False) as traveller:
        for _ in range(ratelimit.ACCOUNT_LIMIT):
            response = login(client, diner.email, "wrong-password")
            assert not blocked(response) and response.status_code == 200
        assert blocked(login(client, diner.email, PASSWORD))
        assert blocked(login(client, diner.email, PASSWORD, ip="198.51.100.1"))  # another address does not help
        assert "_auth_user_id" not in client.session

        traveller.shift(timedelta(seconds=ratelimit.WINDOW_SECONDS - 30))
        assert blocked(login(client, diner.email, PASSWORD))

        traveller.shift(timedelta(seconds=60))
        response = login(client, diner.email, PASSWORD)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(diner.pk)


def test_account_limit_does_not_block_other_accounts(client, diner, other_diner):
    for _ in range(ratelimit.ACCOUNT_LIMIT):
        login(client, diner.email, "wrong-password")
    assert login(client, other_diner.email, PASSWORD).status_code == 302


def test_address_limit_blocks_guessing_across_many_accounts(client, diner):
    with time_machine.travel(WINDOW_START, tick=False) as traveller:
        for n in range(ratelimit.IP_LIMIT):
            login(client, f"nobody{n}@example.com", "guess")
        assert blocked(login(client, diner.email, PASSWORD))
        # The same account from another address is fine.
        assert login(client, diner.email, PASSWORD, ip="198.51.100.1").status_code == 302
        client.logout()
        traveller.shift(timedelta(seconds=ratelimit.WINDOW_SECONDS + 1))
        assert login(client, diner.email, PASSWORD).status_code == 302


def test_successful_login_resets_the_account_counter(client, diner):
    for _ in range(ratelimit.ACCOUNT_LIMIT - 1):
        login(client, diner.email, "wrong-password")
    assert login(client, diner.email, PASSWORD).status_code == 302
    client.logout()
    for _ in range(ratelimit.ACCOUNT_LIMIT - 1):
        login(client, diner.email, "wrong-password")
    assert login(client, diner.email, PASSWORD).status_code == 302


def test_counters_live_in_the_shared_cache(client, diner):
    from django.core.cache import cache

    with time_machine.travel(WINDOW_START, tick=False):
        login(client, diner.email, "wrong-password")
        assert cache.get(ratelimit._key("login-account", diner.email)) == 1
        assert cache.get(ratelimit._key("login-ip", "203.0.113.7")) == 1


def test_behind_the_load_balancer_the_client_address_is_the_last_forwarded_one(rf, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9", REMOTE_ADDR="10.0.0.5")
    assert ratelimit.client_ip(request) == "203.0.113.9"
    settings.SECURE_PROXY_SSL_HEADER = None
    assert ratelimit.client_ip(request) == "10.0.0.5"


def test_logout_is_post_only(client):
    user = make_user()
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session
