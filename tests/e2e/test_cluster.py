"""Any instance may serve any request: files, sessions, CSRF and seats are shared.

Everything goes through HAProxy over TLS, verified against the cluster's local CA.
`X-Instance` in each response names the gunicorn instance that answered; the
local-only `X-Cluster-Pin` request header makes HAProxy pick an instance on purpose.
"""

import html
import io
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from PIL import Image

from bookings.services import MSG_NOT_ENOUGH_SEATS
from tests.e2e.conftest import MAIN_HTTP, MAIN_HTTPS, Browser, booking_form, query

pytestmark = pytest.mark.e2e

INSTANCES = {"app1", "app2", "app3"}


def jpeg_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (180, 40, 90)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_photo_uploaded_through_one_instance_is_served_identically_by_all(cluster, cluster_data):
    operator = Browser(cluster, session_key=cluster_data["operator_session"])
    restaurant = cluster_data["gallery"]
    path = f"/office/restaurant/{restaurant}/photos/"
    token, page = operator.form_token(path, pin="app1")
    assert page.headers["X-Instance"] == "app1"
    upload = operator.post(
        path,
        {"csrfmiddlewaretoken": token, "alt_text": "The terrace"},
        files={"images": ("terrace.jpg", jpeg_bytes(), "image/jpeg")},
        pin="app1",
    )
    assert upload.status_code == 302, upload.text[:500]
    assert upload.headers["X-Instance"] == "app1"

    visitor = Browser(cluster)
    answered_by, photo_urls = Counter(), set()
    for _ in range(30):
        response = visitor.get(f"/restaurant/{restaurant}/")
        assert response.status_code == 200
        answered_by[response.headers["X-Instance"]] += 1
        found = re.findall(rf'<img src="([^"]+/media/restaurants/{restaurant}/[^"]+)"', response.text)
        assert len(found) == 1, "every instance shows the photo"
        photo_urls.update(found)
    assert set(answered_by) == INSTANCES
    assert len(photo_urls) == 1, "all instances link the same stored file"

    [url] = photo_urls
    assert url.startswith(cluster.storage_endpoint)  # from the shared bucket, not an instance's disk
    bodies = set()
    for _ in range(3):
        served = requests.get(url, timeout=10)
        assert served.status_code == 200, served.text[:300]
        assert served.headers["Content-Type"].startswith("image/")
        bodies.add(served.content)
    assert len(bodies) == 1
    image = Image.open(io.BytesIO(bodies.pop()))
    assert image.size[0] > 0
    stored = query(
        cluster, f"list(RestaurantPhoto.objects.filter(restaurant_id={restaurant}).values_list('image', flat=True))"
    )
    assert len(stored) == 1


def test_login_holds_on_every_instance_and_forms_pass_csrf_across_instances(cluster, cluster_data):
    diner = Browser(cluster)
    token, _ = diner.form_token("/accounts/login/", pin="app1")
    login = diner.post(
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": token,
            "username": cluster_data["diner_email"],
            "password": cluster_data["diner_password"],
        },
        pin="app3",
    )
    assert login.status_code == 302, login.text[:500]
    assert login.headers["X-Instance"] == "app3"

    answered_by = Counter()
    for _ in range(9):
        page = diner.get("/booking/")
        assert page.status_code == 200, "logged in on whichever instance answers"
        answered_by[page.headers["X-Instance"]] += 1
    assert set(answered_by) == INSTANCES

    # The booking form comes from one instance and is posted to another.
    path = f"/restaurant/{cluster_data['roomy']}/book/"
    token, _ = diner.form_token(path, pin="app2")
    booked = diner.post(path, booking_form(token=token, date=cluster_data["date"], name="Dina"), pin="app1")
    assert booked.status_code == 302, booked.text[:500]
    assert re.fullmatch(r"/booking/\d+/", booked.headers["Location"])
    assert booked.headers["X-Instance"] == "app1"


def test_thirty_simultaneous_bookings_for_ten_seats_sell_exactly_ten(cluster, cluster_data):
    if not cluster.is_postgres:
        pytest.skip("needs PostgreSQL at 127.0.0.1:5432 (CLUSTER_DATABASE_URL) for concurrent writers")
    restaurant = cluster_data["ten_seats"]
    path = f"/restaurant/{restaurant}/book/"
    diners = [Browser(cluster, session_key=key) for key in cluster_data["rush_sessions"]]
    forms = [
        booking_form(token=diner.form_token(path)[0], date=cluster_data["date"], name=f"Rush {i}")
        for i, diner in enumerate(diners)
    ]
    start = threading.Barrier(len(diners))

    def book(i):
        start.wait()
        return diners[i].post(path, forms[i])

    with ThreadPoolExecutor(max_workers=len(diners)) as pool:
        responses = list(pool.map(book, range(len(diners))))

    assert {r.status_code for r in responses} <= {200, 302}
    sold = [r for r in responses if r.status_code == 302]
    refused = [r for r in responses if r.status_code == 200]
    assert len(sold) == 10
    assert all(html.escape(str(MSG_NOT_ENOUGH_SEATS)) in r.text for r in refused)
    assert {r.headers["X-Instance"] for r in responses} == INSTANCES
    booked = query(
        cluster,
        f"[Booking.objects.filter(restaurant_id={restaurant}, status='confirmed').count(), "
        f"sum(Booking.objects.filter(restaurant_id={restaurant}).values_list('party_size', flat=True))]",
    )
    assert booked == [10, 10]


def test_plain_http_redirects_to_https_which_sends_hsts(cluster):
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"http://localhost:{MAIN_HTTP}/search/?q=noodles", timeout=10)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"] == f"https://localhost:{MAIN_HTTPS}/search/?q=noodles"

    page = Browser(cluster).get("/search/?q=noodles")
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_health_check_answers_with_any_host_through_the_balancer_and_on_each_instance(cluster):
    through_balancer = Browser(cluster).get("/healthz", headers={"Host": "10.0.3.17"})
    assert (through_balancer.status_code, through_balancer.text) == (200, "ok")
    for node in cluster.nodes:
        # As the ALB asks: plain HTTP, the instance's address as Host.
        direct = requests.get(f"http://127.0.0.1:{node.port}/healthz", headers={"Host": "10.0.3.17"}, timeout=5)
        assert (direct.status_code, direct.text) == (200, "ok")
        page = requests.get(f"http://127.0.0.1:{node.port}/", headers={"Host": "10.0.3.17"}, timeout=5)
        assert page.status_code == 400, "other paths still enforce ALLOWED_HOSTS"
