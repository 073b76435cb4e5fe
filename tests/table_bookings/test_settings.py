import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_development_runs_with_no_environment_at_all():
    result = run_check()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("missing", "present"),
    [
        ("DJANGO_SECRET_KEY", {"DJANGO_ALLOWED_HOSTS": "example.com"}),
        ("DJANGO_ALLOWED_HOSTS", {"DJANGO_SECRET_KEY": "x" * 50}),
    ],
)
def test_production_refuses_to_start_without_required_variable(missing, present):
    result = run_check(DJANGO_DEBUG="false", **present)
    assert result.returncode != 0
    assert f"{missing} must be set when DJANGO_DEBUG is false" in result.stderr


def test_health_endpoint_answers_without_database_and_with_any_host(db, client, settings, django_assert_num_queries):
    settings.ALLOWED_HOSTS = ["tablebookings.example"]
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.0.3.17")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readiness_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
