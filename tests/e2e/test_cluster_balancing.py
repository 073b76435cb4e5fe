"""The balancing algorithm shows in who answers: round robin, weighted round robin, leastconn."""

import socket
import ssl
from collections import Counter

import pytest

from tests.e2e.conftest import MAIN_HTTPS, Browser

pytestmark = pytest.mark.e2e

WEIGHTED_HTTPS, WEIGHTED_HTTP = 8462, 8463
LEASTCONN_HTTPS, LEASTCONN_HTTP = 8464, 8465


def spread(cluster, https_port, requests):
    client = Browser(cluster, https_port=https_port)
    answered_by = Counter()
    for _ in range(requests):
        response = client.get("/accounts/login/")
        assert response.status_code == 200
        answered_by[response.headers["X-Instance"]] += 1
    return answered_by


def test_round_robin_spreads_evenly(cluster):
    cluster.wait_all_up("main")
    answered_by = spread(cluster, MAIN_HTTPS, 30)
    assert set(answered_by) == {"app1", "app2", "app3"}
    assert max(answered_by.values()) - min(answered_by.values()) <= 1


@pytest.fixture
def weighted(cluster):
    yield cluster.start_balancer("weighted", "roundrobin", [1, 1, 2], WEIGHTED_HTTPS, WEIGHTED_HTTP)
    cluster.stop_balancer("weighted")


def test_weights_one_one_two_spread_a_quarter_a_quarter_and_a_half(cluster, weighted):
    answered_by = spread(cluster, WEIGHTED_HTTPS, 40)
    share = {name: 100 * answered_by[name] / 40 for name in ("app1", "app2", "app3")}
    assert share["app1"] == pytest.approx(25, abs=10)
    assert share["app2"] == pytest.approx(25, abs=10)
    assert share["app3"] == pytest.approx(50, abs=10)


@pytest.fixture
def leastconn(cluster):
    yield cluster.start_balancer("leastconn", "leastconn", [1, 1, 1], LEASTCONN_HTTPS, LEASTCONN_HTTP)
    cluster.stop_balancer("leastconn")


def slow_request(cluster, port, pin):
    """Open a POST whose body never comes: the instance stays busy with it until we hang up."""
    context = ssl.create_default_context(cafile=str(cluster.ca_file))
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn = context.wrap_socket(raw, server_hostname="localhost")
    conn.sendall(
        (
            "POST /accounts/login/ HTTP/1.1\r\n"
            f"Host: localhost:{port}\r\n"
            f"X-Cluster-Pin: {pin}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 100000\r\n\r\n"
        ).encode()
    )
    return conn


def test_leastconn_sends_new_requests_away_from_an_instance_busy_with_slow_ones(cluster, leastconn):
    from deploy.cluster import wait_until

    slow = [slow_request(cluster, LEASTCONN_HTTPS, "app1") for _ in range(3)]
    try:
        wait_until(lambda: leastconn.current_sessions().get("app1") == 3, timeout=10, what="HAProxy to count 3 on app1")
        answered_by = spread(cluster, LEASTCONN_HTTPS, 30)
        assert answered_by["app1"] == 0
        assert set(answered_by) == {"app2", "app3"}
    finally:
        for conn in slow:
            conn.close()
