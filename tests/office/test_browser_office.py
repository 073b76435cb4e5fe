"""The office in a real browser (Debian Chromium, headless, phone width): upload photos, run a booking.

Runs once, in the SQLite run of CI: it tests the browser side, which the database does not change.
"""

from datetime import timedelta

import pytest

from bookings.models import BookingStatus
from tests.browser import BROWSER_TEST_MARKS, wait
from tests.factories import PASSWORD, image_bytes, local, make_booking, make_restaurant, make_user

pytestmark = BROWSER_TEST_MARKS

pytest.importorskip("selenium.webdriver", reason="needs selenium: pip install -r requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402


@pytest.mark.django_db(transaction=True)
def test_operator_uploads_photos_and_marks_a_guest_seated(browser, live_server, tmp_path):
    owner = make_user(email="office@test.example")
    diner = make_user(email="guest@test.example")
    restaurant = make_restaurant(name="Office Bistro", owner=owner)
    booking = make_booking(
        restaurant=restaurant, diner=diner, starts_at=local(restaurant, restaurant.local_today() + timedelta(days=1))
    )
    files = []
    for name, fmt in (("terrace.jpg", "JPEG"), ("bar.png", "PNG")):
        path = tmp_path / name
        path.write_bytes(image_bytes(fmt=fmt, size=(640, 480)))
        files.append(str(path))

    browser.get(live_server.url + "/accounts/login/?next=/office/")
    browser.find_element(By.NAME, "username").send_keys(owner.email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(browser, ec.url_to_be(live_server.url + "/office/"))

    browser.get(f"{live_server.url}/office/restaurant/{restaurant.pk}/photos/")
    browser.find_element(By.NAME, "images").send_keys("\n".join(files))
    browser.find_element(By.NAME, "alt_text").send_keys("Our terrace")
    browser.find_element(By.CSS_SELECTOR, "form[enctype] button[type=submit]").click()
    wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".photo-card img")))
    assert "2 photos added." in browser.page_source
    images = browser.find_elements(By.CSS_SELECTOR, ".photo-card img")
    assert len(images) == 2
    assert all(img.get_attribute("src").endswith(".webp") for img in images)
    assert all(browser.execute_script("return arguments[0].naturalWidth", img) > 0 for img in images)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390  # nothing sticks out

    browser.get(f"{live_server.url}/office/booking/{booking.pk}/")
    browser.find_element(By.CSS_SELECTOR, "button[name=status][value=seated]").click()
    wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".status-seated")))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.SEATED

    # Ticking "Closed all day" hides the special services (office-forms.js).
    browser.get(f"{live_server.url}/office/restaurant/{restaurant.pk}/seating/")
    services = browser.find_element(By.ID, "exception-services")
    assert services.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "#exception-form-body input[name=is_closed]").click()
    assert not services.is_displayed()

    errors = [
        entry
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]
    ]
    assert errors == []  # no script errors, nothing blocked by the Content-Security-Policy
