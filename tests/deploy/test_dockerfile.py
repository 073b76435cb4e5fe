"""No Docker engine runs in CI, so the Dockerfile is read as text: the rules ops rely on."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def instructions(path=ROOT / "Dockerfile"):
    """(INSTRUCTION, arguments) pairs, comments dropped and continuation lines joined."""
    logical, current = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, rest = current.partition(" ")
        logical.append((keyword.upper(), rest.strip()))
        current = ""
    return logical


def stages():
    result = []
    for keyword, args in instructions():
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, args))
    return result


def test_multi_stage_build_on_slim_python_311():
    args = dict(instructions())
    assert re.search(r"python:3\.11-slim", args["ARG"])
    assert len(stages()) >= 2


def test_runtime_stage_runs_as_a_non_root_user():
    runtime = stages()[-1]
    users = [args for keyword, args in runtime if keyword == "USER"]
    assert users, "the runtime stage must switch to a non-root USER"
    assert users[-1] not in {"root", "0", "0:0"}
    # The USER line comes after every RUN, so nothing runs as root at start.
    last_user = max(i for i, (keyword, _) in enumerate(runtime) if keyword == "USER")
    assert all(keyword != "RUN" for keyword, _ in runtime[last_user:])


def test_gunicorn_is_the_entrypoint_and_nothing_collects_static_at_start():
    runtime = stages()[-1]
    entry = [json.loads(args) for keyword, args in runtime if keyword in {"ENTRYPOINT", "CMD"}]
    assert entry[0][0] == "gunicorn"
    assert "/app/gunicorn.conf.py" in entry[0]
    text = " ".join(args for _, args in instructions())
    assert "runserver" not in text
    assert "collectstatic" not in text


def test_healthcheck_probes_healthz_on_the_gunicorn_port():
    runtime = stages()[-1]
    health = [args for keyword, args in runtime if keyword == "HEALTHCHECK"]
    assert len(health) == 1
    assert "http://127.0.0.1:8000/healthz" in health[0]
    assert ("EXPOSE", "8000") in runtime
    gunicorn_conf = (ROOT / "gunicorn.conf.py").read_text()
    assert '"0.0.0.0:8000"' in gunicorn_conf


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for entry in (".git", ".venv", ".env", "media/", "staticfiles/", "db.sqlite3*"):
        assert entry in ignored


def test_dockerignore_keeps_what_the_image_needs():
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for needed in ("requirements.txt", "manage.py", "gunicorn.conf.py", "static", "templates", "table_bookings"):
        assert needed not in ignored
