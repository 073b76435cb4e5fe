import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_conf(monkeypatch, **env):
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_KEEPALIVE", "GUNICORN_GRACEFUL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_workers_follow_the_cpu_count_unless_overridden(monkeypatch):
    conf = load_conf(monkeypatch)
    assert conf["workers"] == conf["cpus"] * 2 + 1
    assert conf["worker_class"] == "gthread"
    conf = load_conf(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_THREADS="8")
    assert (conf["workers"], conf["threads"]) == (3, 8)


def test_keepalive_outlasts_the_alb_idle_timeout_and_shutdown_fits_the_deregistration_delay(monkeypatch):
    conf = load_conf(monkeypatch)
    assert conf["keepalive"] > 60
    assert conf["graceful_timeout"] < conf["DEREGISTRATION_DELAY"]


@pytest.mark.parametrize(
    ("forwarded_for", "remote_addr", "expected"),
    [
        ("203.0.113.9", "10.0.1.5", "203.0.113.9"),
        # A client may send its own X-Forwarded-For; only the hop the ALB appended counts.
        ("6.6.6.6, 203.0.113.9", "10.0.1.5", "203.0.113.9"),
        ("1.1.1.1,  198.51.100.7 ", "10.0.1.5", "198.51.100.7"),
        ("", "10.0.1.5", "10.0.1.5"),
    ],
)
def test_access_log_client_ip_is_the_right_most_forwarded_hop(monkeypatch, forwarded_for, remote_addr, expected):
    conf = load_conf(monkeypatch)
    environ = {"REMOTE_ADDR": remote_addr}
    if forwarded_for:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert conf["client_ip"](environ) == expected


def test_every_request_gets_an_id_reusing_the_load_balancers(monkeypatch):
    conf = load_conf(monkeypatch)
    fresh = SimpleNamespace(headers=[("HOST", "example")])
    conf["pre_request"](None, fresh)
    ids = [value for name, value in fresh.headers if name == "X-REQUEST-ID"]
    assert len(ids) == 1 and len(ids[0]) == 32

    from_alb = SimpleNamespace(headers=[("X-REQUEST-ID", "client-made"), ("X-AMZN-TRACE-ID", "Root=1-abc-def")])
    conf["pre_request"](None, from_alb)
    assert [value for name, value in from_alb.headers if name == "X-REQUEST-ID"] == ["Root=1-abc-def"]

    from_haproxy = SimpleNamespace(headers=[("X-REQUEST-ID", "given")])
    conf["pre_request"](None, from_haproxy)
    assert from_haproxy.headers == [("X-REQUEST-ID", "given")]


def test_access_log_line_names_client_request_and_instance(monkeypatch):
    from datetime import timedelta

    from gunicorn.config import Config

    conf = load_conf(monkeypatch, INSTANCE_ID="app2")
    cfg = Config()
    cfg.set("access_log_format", conf["access_log_format"])
    logger = conf["ProxyAwareLogger"](cfg)
    environ = {
        "REMOTE_ADDR": "10.0.1.5",
        "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9",
        "HTTP_X_REQUEST_ID": "req-42",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    response = SimpleNamespace(status="200 OK", sent=12, headers=[])
    request = SimpleNamespace(headers=[])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    line = conf["access_log_format"] % atoms
    assert line.startswith('203.0.113.9 "GET / HTTP/1.1" 200 12 5ms request_id=req-42 instance=app2')
