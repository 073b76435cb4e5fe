import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_migrate_alone_makes_the_shared_cache_usable(tmp_path):
    """A release runs only `migrate`: the login rate limits' cache table must come with it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    assert manage("migrate", "--noinput", "-v0").returncode == 0
    result = manage(
        "shell", "-v0", "-c", "from django.core.cache import cache; cache.set('k', 'v', 30); print(cache.get('k'))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "v"


@pytest.mark.django_db
def test_readiness_reports_a_broken_cache(client, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert b"cache: ConnectionError" in response.content
