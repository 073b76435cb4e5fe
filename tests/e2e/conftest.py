"""Fixtures for the cluster tests (tests/e2e/test_cluster*.py).

The cluster (moto S3 + shared database + 3 gunicorn instances + HAProxy with TLS, see
deploy/cluster.py) is started once per test session, and only when a cluster test asks
for it; browser tests in this folder do not start it.
"""

import json
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest

from deploy.cluster import Cluster, missing_tools

# Inside the project's port range for cluster tests: moto 8450, instances 8451-8453,
# balancers from 8460 (https, then http).
BASE_PORT = 8450
MAIN_HTTPS, MAIN_HTTP = 8460, 8461
CLUSTER_DATABASE_URL = os.environ.get("CLUSTER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tb_cluster")

SKIP_REASON = (
    "cluster tests run once per CI, in the `make test` pass (they use their own PostgreSQL database, "
    "tb_cluster, whichever pass runs them); SKIP_CLUSTER_TESTS is set by `make test-postgres`"
)


def postgres_reachable(url: str) -> bool:
    try:
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
        with psycopg.connect(admin, connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def cluster(request):
    if os.environ.get("SKIP_CLUSTER_TESTS"):
        pytest.skip(SKIP_REASON)
    missing = missing_tools()
    if missing:
        pytest.skip(
            f"needs {' and '.join(missing)}: apt-get install -y haproxy openssl (.ci/install-system-packages does it)"
        )
    database_url = CLUSTER_DATABASE_URL if postgres_reachable(CLUSTER_DATABASE_URL) else ""
    # Our own folder, not pytest's tmp_path: pytest prunes old tmp folders, which a
    # parallel run could do under a running cluster.
    workdir = Path(tempfile.mkdtemp(prefix="tb-cluster-"))
    running = Cluster(
        workdir=workdir,
        base_port=BASE_PORT,
        https_port=MAIN_HTTPS,
        http_port=MAIN_HTTP,
        database_url=database_url,
        fresh_database=True,
        quiet=True,
    )
    running.start()
    yield running
    running.stop()
    if request.session.testsfailed:
        print(f"\ncluster logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


SETUP = r"""
import json
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone

from tests.factories import make_restaurant

User = get_user_model()
unusable = make_password(None)


def session_for(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def users(prefix, count):
    made = User.objects.bulk_create(
        User(email=f"{prefix}{i}@cluster.example", display_name=f"{prefix} {i}", password=unusable)
        for i in range(count)
    )
    made = list(User.objects.filter(email__endswith="@cluster.example", email__startswith=prefix).order_by("email"))
    return [session_for(u) for u in made]


operator = User.objects.create_user(email="operator@cluster.example", password=None, display_name="Olga Operator")
gallery = make_restaurant(name="Gallery House", owner=operator)
diner = User.objects.create_user(email="diner@cluster.example", password="cluster-diner-pass-51", display_name="Dina")
ten_seats = make_restaurant(name="Ten Seats", seats=10)
roomy = make_restaurant(name="Roomy Hall", seats=500)
tomorrow = (timezone.now().astimezone(ten_seats.tz) + timedelta(days=1)).date()
print("SETUP" + json.dumps({
    "operator_session": session_for(operator),
    "gallery": gallery.pk,
    "diner_email": diner.email,
    "diner_password": "cluster-diner-pass-51",
    "ten_seats": ten_seats.pk,
    "roomy": roomy.pk,
    "date": tomorrow.isoformat(),
    "rush_sessions": users("rush", 30),
    "stream_sessions": users("stream", 40),
}))
"""


@pytest.fixture(scope="session")
def cluster_data(cluster):
    """Users, sessions and restaurants made once in the shared database."""
    output = cluster.shell(SETUP)
    line = next(line for line in output.splitlines() if line.startswith("SETUP"))
    return json.loads(line[len("SETUP") :])


def query(cluster, code: str):
    """Evaluate one Python expression in a manage.py shell against the cluster's database."""
    prelude = "import json\nfrom django.db.models import Count, Sum\nfrom bookings.models import *\n"
    output = cluster.shell(prelude + f"print('RESULT' + json.dumps({code}))")
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    return json.loads(line[len("RESULT") :])


class Browser:
    """A requests session that talks to the cluster over TLS, trusting only the local CA."""

    def __init__(self, cluster, https_port=MAIN_HTTPS, session_key=None):
        import requests

        self.cluster = cluster
        self.base = f"https://localhost:{https_port}"
        self.http = requests.Session()
        self.http.trust_env = False  # no proxies, and REQUESTS_CA_BUNDLE must not replace the local CA
        self.http.verify = str(cluster.ca_file)
        if session_key:
            self.http.cookies.set("sessionid", session_key)

    def get(self, path, *, pin=None, headers=None):
        headers = {**self._headers(pin), **(headers or {})}
        return self.http.get(self.base + path, headers=headers, allow_redirects=False, timeout=30)

    def post(self, path, data, *, pin=None, files=None):
        headers = {**self._headers(pin), "Origin": self.base, "Referer": self.base + path}
        return self.http.post(
            self.base + path, data=data, files=files, headers=headers, allow_redirects=False, timeout=30
        )

    def log_lines(self, response):
        """The answering instance's log lines about this request (to explain a failure)."""
        instance, request_id = response.headers.get("X-Instance"), response.headers.get("X-Request-ID")
        if not (instance and request_id):
            return []
        log = self.cluster.node(instance).log.read_text(errors="replace").splitlines()
        return log[-40:] if response.status_code >= 500 else [line for line in log if request_id in line]

    @staticmethod
    def _headers(pin):
        return {"X-Cluster-Pin": pin} if pin else {}

    def form_token(self, path, *, pin=None):
        """GET a form page and return its CSRF token (the cookie comes along in the session)."""
        page = self.get(path, pin=pin)
        assert page.status_code == 200, (path, page.status_code, self.log_lines(page))
        return csrf_token(page.text), page


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def booking_form(*, token, date, name, party_size=1):
    return {
        "csrfmiddlewaretoken": token,
        "date": date,
        "time": "18:00",
        "party_size": str(party_size),
        "name": name,
        "phone": "010-0000-0000",
        "request": "",
        "form_token": secrets.token_urlsafe(24),
    }
