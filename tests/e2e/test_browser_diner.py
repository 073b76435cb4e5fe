"""The diner flow in a real browser (Debian Chromium, headless): the slot picker's JavaScript included.

Runs once, in the SQLite run of CI: it tests the browser side, which the database does not change.
"""

from datetime import time, timedelta

import pytest

from bookings.models import Booking, BookingStatus
from tests.browser import BROWSER_TEST_MARKS, wait
from tests.factories import PASSWORD, make_exception, make_restaurant, make_user

pytestmark = BROWSER_TEST_MARKS

pytest.importorskip("selenium.webdriver", reason="needs selenium: pip install -r requirements-dev.txt")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


@pytest.mark.django_db(transaction=True)
def test_diner_picks_a_slot_with_javascript_books_and_cancels(browser, live_server):
    diner = make_user(email="browser@test.example", display_name="Bea Browser", phone="010-5555-6666")
    restaurant = make_restaurant(name="Browser Bistro", seats=6, max_party_size=6)
    tomorrow = restaurant.local_today() + timedelta(days=1)
    special_day = tomorrow + timedelta(days=1)
    make_exception(restaurant=restaurant, date=special_day, services=[(time(12, 0), 4)])

    # Log in through the form.
    browser.get(live_server.url + "/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(diner.email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(browser, ec.url_to_be(live_server.url + "/"))

    # The restaurant page: changing the date and party size redraws the times from the API.
    browser.get(live_server.url + restaurant.get_absolute_url())
    date_input = browser.find_element(By.NAME, "date")
    browser.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));",
        date_input,
        tomorrow.isoformat(),
    )
    Select(browser.find_element(By.NAME, "party_size")).select_by_value("5")
    wanted = f"date={tomorrow.isoformat()}&time=18%3A00&party_size=5"
    slot = wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, f'.slots a.slot[href$="{wanted}"]')))
    assert "6" in slot.text  # seats left, drawn by the script
    assert "party_size=5" in browser.current_url  # the address follows, so reload and sharing work
    day_after = (tomorrow + timedelta(days=1)).isoformat()
    assert (
        browser.find_element(By.CSS_SELECTOR, ".day-next")
        .get_attribute("href")
        .endswith(f"?date={day_after}&party_size=5#book")
    )
    assert browser.find_element(By.CSS_SELECTOR, ".day-prev").is_displayed()
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390  # nothing sticks out

    slot.click()
    wait(browser, ec.presence_of_element_located((By.NAME, "form_token")))
    assert browser.find_element(By.NAME, "name").get_attribute("value") == "Bea Browser"
    assert browser.find_element(By.NAME, "party_size").get_attribute("value") == "5"

    # On the form, another date brings that date's times (special hours: lunch only).
    def pick_date(day):
        browser.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));",
            browser.find_element(By.NAME, "date"),
            day.isoformat(),
        )

    def time_options():
        return [o.get_attribute("value") for o in Select(browser.find_element(By.NAME, "time")).options]

    pick_date(special_day)
    wait(browser, lambda b: time_options() == ["12:00"])
    pick_date(tomorrow)
    wait(browser, lambda b: time_options() == ["18:00"])
    browser.find_element(By.NAME, "request").send_keys("Birthday")
    browser.find_element(By.CSS_SELECTOR, "form.booking-form button[type=submit]").click()

    wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".details .reference")))
    booking = Booking.objects.get()
    assert browser.find_element(By.CSS_SELECTOR, ".details .reference").text == booking.reference
    assert f"{tomorrow.isoformat()} 18:00" in browser.page_source
    assert (booking.party_size, booking.request) == (5, "Birthday")

    # My bookings, then cancel after the confirmation step.
    browser.get(live_server.url + "/booking/")
    browser.find_element(By.LINK_TEXT, "Browser Bistro").click()
    browser.find_element(By.LINK_TEXT, "Cancel this booking").click()
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".status-cancelled")))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED

    # No script errors, no blocked resources (the site has no favicon yet; browsers ask anyway).
    errors = [
        entry
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]
    ]
    assert errors == []
