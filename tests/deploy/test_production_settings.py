"""The production security block, exercised in a fresh process with DJANGO_DEBUG=false.

Settings are read once at import, so the real `if not DEBUG:` branch can only be
seen from a new interpreter; the probe prints what a client behind the ALB would get.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json
import django
django.setup()
from django.test import Client
from django.test.utils import override_settings

out = {}
# No collectstatic manifest here: plain static storage is enough to render a page.
with override_settings(STORAGES={
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}):
    client = Client()
    def seen(response):
        cookies = {
            name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"])}
            for name, c in response.cookies.items()
        }
        return {"status": response.status_code, "headers": dict(response.headers), "cookies": cookies}
    out["http_page"] = seen(client.get("/accounts/login/", HTTP_HOST="tablebookings.example"))
    out["https_page"] = seen(client.get(
        "/accounts/login/", HTTP_HOST="tablebookings.example", HTTP_X_FORWARDED_PROTO="https"
    ))
    out["health_by_ip"] = seen(client.get("/healthz", HTTP_HOST="10.0.3.17"))
    out["bad_host"] = seen(client.get(
        "/accounts/login/", HTTP_HOST="evil.example", HTTP_X_FORWARDED_PROTO="https"
    ))
from django.conf import settings
out["csrf_trusted_origins"] = settings.CSRF_TRUSTED_ORIGINS
print("PROBE" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def production():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_")) and k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="table_bookings.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="production-probe-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="tablebookings.example",
        INSTANCE_ID="i-probe",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE"))
    return json.loads(line[len("PROBE") :])


def test_plain_http_is_redirected_to_https(production):
    page = production["http_page"]
    assert page["status"] == 301
    assert page["headers"]["Location"] == "https://tablebookings.example/accounts/login/"


def test_health_check_answers_over_http_with_the_instance_ip_as_host(production):
    health = production["health_by_ip"]
    assert health["status"] == 200


def test_unknown_host_is_rejected(production):
    assert production["bad_host"]["status"] == 400


def test_https_page_carries_hsts_and_security_headers(production):
    page = production["https_page"]
    headers = page["headers"]
    assert page["status"] == 200
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert "includeSubDomains" in headers["Strict-Transport-Security"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["X-Instance"] == "i-probe"


def test_content_security_policy_forbids_inline_scripts(production):
    policy = production["https_page"]["headers"]["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy


def test_cookies_are_secure_and_http_only(production):
    cookies = production["https_page"]["cookies"]
    assert cookies["csrftoken"] == {"secure": True, "httponly": True}


def test_csrf_trusted_origins_default_to_the_https_hosts(production):
    assert production["csrf_trusted_origins"] == ["https://tablebookings.example"]


@pytest.mark.parametrize(
    ("storage_env", "origins"),
    [
        ({"AWS_S3_CUSTOM_DOMAIN": "cdn.tablebookings.example"}, ["https://cdn.tablebookings.example"]),
        ({"AWS_S3_ENDPOINT_URL": "http://127.0.0.1:8400"}, ["http://127.0.0.1:8400"]),
        (
            {},
            ["https://tb-files.s3.amazonaws.com", "https://tb-files.s3.ap-northeast-2.amazonaws.com"],
        ),
    ],
)
def test_content_security_policy_allows_the_bucket_that_serves_static_and_media(storage_env, origins):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_")) and k != "DATABASE_URL"}
    env.update(AWS_STORAGE_BUCKET_NAME="tb-files", **storage_env)
    code = "import json; from django.conf import settings; print(json.dumps(settings.CONTENT_SECURITY_POLICY))"
    command = [sys.executable, "manage.py", "shell", "-c", code]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    directives = json.loads(result.stdout.strip().splitlines()[-1])["DIRECTIVES"]
    for directive in ("script-src", "style-src", "img-src", "font-src"):
        assert directives[directive][0] == "'self'"
        assert directives[directive][-len(origins) :] == origins
    assert directives["connect-src"] == ["'self'"]
