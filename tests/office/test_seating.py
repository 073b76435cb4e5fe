from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings import services
from bookings.availability import REASON_LABELS
from bookings.models import Booking, SeatingException, SeatingTemplate, SlotInventory
from tests.factories import local, make_exception


def weekly_post(restaurant, change=None, extra=()):
    """The weekly formset as the page would post it, with `change(weekday, start, seats)` -> seats or None."""
    rows = []
    for row in SeatingTemplate.objects.filter(restaurant=restaurant).order_by("weekday", "start_time"):
        seats = change(row.weekday, row.start_time, row.seats) if change else row.seats
        rows.append((row.weekday, row.start_time, seats))
    rows += list(extra)
    data = {"weekly-TOTAL_FORMS": str(len(rows)), "weekly-INITIAL_FORMS": "0"}
    for i, (weekday, start, seats) in enumerate(rows):
        data[f"weekly-{i}-weekday"] = str(weekday)
        data[f"weekly-{i}-start_time"] = start.strftime("%H:%M")
        data[f"weekly-{i}-seats"] = str(seats or 1)
        if seats is None:
            data[f"weekly-{i}-DELETE"] = "on"
    return data


@pytest.fixture
def booked(restaurant, diner):
    """Six seats booked at 18:00 three days ahead (out of 20)."""
    day = restaurant.local_today() + timedelta(days=3)
    booking = services.booking_create(
        diner=diner, restaurant=restaurant, starts_at=local(restaurant, day), party_size=6, name="Dana", phone="010"
    )
    return booking


def seats_on(restaurant, booking):
    return SlotInventory.objects.values_list("seats_total", "seats_remaining").get(
        restaurant=restaurant, starts_at=booking.starts_at
    )


def test_cutting_seats_below_bookings_is_refused_with_the_bookings_listed(client, staff_member, restaurant, booked):
    weekday = booked.local_starts_at.weekday()
    client.force_login(staff_member)
    response = client.post(
        reverse("office:seating-weekly", args=[restaurant.pk]),
        weekly_post(restaurant, lambda w, t, s: 4 if w == weekday else s),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert str(services.MSG_SEATS_BELOW_BOOKED).split(".")[0] in page
    assert booked.reference in page
    assert SeatingTemplate.objects.get(restaurant=restaurant, weekday=weekday).seats == 20  # nothing saved
    assert seats_on(restaurant, booked) == (20, 14)


def test_removing_a_booked_service_is_refused(client, operator, restaurant, booked):
    weekday = booked.local_starts_at.weekday()
    client.force_login(operator)
    response = client.post(
        reverse("office:seating-weekly", args=[restaurant.pk]),
        weekly_post(restaurant, lambda w, t, s: None if w == weekday else s),
    )
    assert response.status_code == 400
    assert booked.reference in response.content.decode()
    assert SeatingTemplate.objects.filter(restaurant=restaurant, weekday=weekday).exists()


def test_changing_seats_keeps_booked_seats_in_future_inventory(client, operator, restaurant, booked):
    weekday = booked.local_starts_at.weekday()
    client.force_login(operator)
    response = client.post(
        reverse("office:seating-weekly", args=[restaurant.pk]),
        weekly_post(restaurant, lambda w, t, s: 8 if w == weekday else s, extra=[(weekday, time(12, 0), 10)]),
    )
    assert response.status_code == 302
    assert seats_on(restaurant, booked) == (8, 2)  # exactly the 6 booked seats stay taken
    assert SeatingTemplate.objects.filter(restaurant=restaurant, weekday=weekday).count() == 2


def test_duplicate_service_time_is_refused(client, operator, restaurant):
    client.force_login(operator)
    response = client.post(
        reverse("office:seating-weekly", args=[restaurant.pk]),
        weekly_post(restaurant, extra=[(0, time(18, 0), 5)]),
    )
    assert response.status_code == 400
    assert "Two services start at 18:00" in response.content.decode()


def test_closing_a_booked_date_is_refused_but_an_empty_date_closes(client, operator, restaurant, booked):
    client.force_login(operator)
    url = reverse("office:seating-exception", args=[restaurant.pk])
    management = {"services-TOTAL_FORMS": "0", "services-INITIAL_FORMS": "0"}
    day = booked.local_starts_at.date()
    response = client.post(url, {"date": day.isoformat(), "is_closed": "on", **management})
    assert response.status_code == 400
    assert booked.reference in response.content.decode()
    assert not SeatingException.objects.filter(restaurant=restaurant, date=day).exists()

    free_day = day + timedelta(days=1)
    response = client.post(url, {"date": free_day.isoformat(), "is_closed": "on", "note": "Holiday", **management})
    assert response.status_code == 302
    assert SeatingException.objects.get(restaurant=restaurant, date=free_day).is_closed


def test_special_hours_for_a_date(client, operator, restaurant, booked):
    client.force_login(operator)
    day = booked.local_starts_at.date()
    data = {
        "date": day.isoformat(),
        "services-TOTAL_FORMS": "2",
        "services-INITIAL_FORMS": "0",
        "services-0-start_time": "18:00",
        "services-0-seats": "30",
        "services-1-start_time": "20:00",
        "services-1-seats": "12",
    }
    response = client.post(reverse("office:seating-exception", args=[restaurant.pk]), data)
    assert response.status_code == 302
    assert seats_on(restaurant, booked) == (30, 24)
    exception = SeatingException.objects.get(restaurant=restaurant, date=day)
    assert [(s.start_time, s.seats) for s in exception.services.all()] == [(time(18), 30), (time(20), 12)]

    # Back to the weekly 20 seats: still room for the 6 booked.
    response = client.post(reverse("office:seating-exception-delete", args=[restaurant.pk, exception.pk]))
    assert response.status_code == 302
    assert seats_on(restaurant, booked) == (20, 14)


def test_booking_rules_are_saved(client, operator, restaurant):
    client.force_login(operator)
    data = {
        "max_party_size": "4",
        "booking_days_ahead": "14",
        "min_lead_minutes": "30",
        "cancel_cutoff_hours": "2",
        "visit_minutes": "120",
    }
    response = client.post(reverse("office:seating-rules", args=[restaurant.pk]), data)
    assert response.status_code == 302
    restaurant.refresh_from_db()
    assert (restaurant.max_party_size, restaurant.booking_days_ahead) == (4, 14)


def test_preview_gives_the_reason_for_each_unavailable_slot(client, operator, restaurant, booked):
    client.force_login(operator)
    url = reverse("office:seating", args=[restaurant.pk])
    day = booked.local_starts_at.date()

    page = client.get(url, {"date": day.isoformat(), "party_size": 12}).content.decode()
    assert str(REASON_LABELS["party_too_large"]) in page  # the restaurant takes up to 8 online

    restaurant.max_party_size = 20
    restaurant.save()
    page = client.get(url, {"date": day.isoformat(), "party_size": 15}).content.decode()
    assert "14 / 20" in page
    assert str(REASON_LABELS["full"]) in page

    make_exception(restaurant=restaurant, date=day + timedelta(days=2), closed=True)
    page = client.get(url, {"date": (day + timedelta(days=2)).isoformat(), "party_size": 2}).content.decode()
    assert str(REASON_LABELS["closed"]) in page

    far = restaurant.local_today() + timedelta(days=restaurant.booking_days_ahead + 5)
    page = client.get(url, {"date": far.isoformat(), "party_size": 2}).content.decode()
    assert str(REASON_LABELS["outside_window"]) in page


def test_seat_cut_refusal_rolls_back_when_a_booking_is_already_in(restaurant, booked):
    weekday = booked.local_starts_at.weekday()
    rows = [(w, time(18), 5 if w == weekday else 20) for w in range(7)]
    with pytest.raises(services.SeatsBelowBooked) as caught:
        services.seating_weekly_set(restaurant=restaurant, services=rows)
    assert caught.value.bookings == [booked]
    assert caught.value.code == "seats_below_booked"
    assert set(SeatingTemplate.objects.filter(restaurant=restaurant).values_list("seats", flat=True)) == {20}


def as_browser_would_post(formset):
    """The formset's fields with the values the page shows, as a browser submits them untouched."""
    data = {f"{formset.prefix}-TOTAL_FORMS": str(formset.total_form_count()), f"{formset.prefix}-INITIAL_FORMS": "0"}
    for form in formset:
        for name in form.fields:
            if name == "DELETE":
                continue
            value = form[name].value()
            if hasattr(value, "strftime"):
                value = value.strftime("%H:%M")
            data[form.add_prefix(name)] = "" if value is None else str(value)
    return data


def test_saving_the_weekly_page_untouched_keeps_everything(client, operator, restaurant):
    client.force_login(operator)
    url = reverse("office:seating", args=[restaurant.pk])
    formset = client.get(url).context["weekly_formset"]
    data = as_browser_would_post(formset)
    i = formset.total_form_count() - 1  # fill one of the empty rows
    data.update({f"weekly-{i}-weekday": "2", f"weekly-{i}-start_time": "12:30", f"weekly-{i}-seats": "8"})
    response = client.post(reverse("office:seating-weekly", args=[restaurant.pk]), data)
    assert response.status_code == 302
    assert SeatingTemplate.objects.filter(restaurant=restaurant).count() == 8
    assert SeatingTemplate.objects.get(restaurant=restaurant, weekday=2, start_time=time(12, 30)).seats == 8


def test_booking_that_read_the_schedule_before_a_seat_cut_gets_the_new_count(restaurant, diner, monkeypatch):
    day = restaurant.local_today() + timedelta(days=4)  # nobody has booked this service yet
    read_before_the_cut = services.schedules_for_date([restaurant.pk], day)
    services.seating_weekly_set(restaurant=restaurant, services=[(w, time(18), 4) for w in range(7)])
    inventory = SlotInventory.objects.get(restaurant=restaurant, starts_at=local(restaurant, day))
    assert (inventory.seats_total, inventory.seats_remaining) == (4, 4)

    # The booking's transaction read the schedule just before the cut committed.
    monkeypatch.setattr(services, "schedules_for_date", lambda ids, d: read_before_the_cut)
    with pytest.raises(ValidationError) as refused:
        services.booking_create(
            diner=diner, restaurant=restaurant, starts_at=local(restaurant, day), party_size=6, name="D", phone="1"
        )
    assert refused.value.code == "not_enough_seats"


def test_booking_that_read_the_schedule_before_a_day_closed_is_refused(restaurant, diner, monkeypatch):
    day = restaurant.local_today() + timedelta(days=4)
    read_before_closing = services.schedules_for_date([restaurant.pk], day)
    services.seating_exception_set(restaurant=restaurant, day=day, is_closed=True)

    monkeypatch.setattr(services, "schedules_for_date", lambda ids, d: read_before_closing)
    with pytest.raises(ValidationError) as refused:
        services.booking_create(
            diner=diner, restaurant=restaurant, starts_at=local(restaurant, day), party_size=2, name="D", phone="1"
        )
    assert refused.value.code == "not_enough_seats"
    assert not Booking.objects.exists()


def test_reopening_a_closed_day_offers_its_seats_again(client, operator, restaurant):
    day = restaurant.local_today() + timedelta(days=4)
    exception = services.seating_exception_set(restaurant=restaurant, day=day, is_closed=True)
    services.seating_exception_delete(exception=exception)
    slots = services.availability(restaurant=restaurant, day=day, party_size=2)
    assert [(s.time_label, s.seats_remaining, s.available) for s in slots] == [("18:00", 20, True)]
