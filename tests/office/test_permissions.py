"""Who gets into which office page: a matrix over every URL and method."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import MemberRole, RestaurantMember
from tests.factories import image_upload, local, make_booking, make_exception

ANON, DINER, RIVAL, STAFF, OWNER, ADMIN = "anonymous", "diner", "rival", "staff", "owner", "admin"
USERS = {DINER: "diner", RIVAL: "other_operator", STAFF: "staff_member", OWNER: "operator", ADMIN: "admin_user"}

# (method, url name, which object ids the URL needs, query string, level)
# level "office": any operator; "member": members of that restaurant; "owner": owners of it.
ENDPOINTS = [
    ("get", "office:dashboard", (), "", "office"),
    ("get", "office:restaurant-list", (), "", "office"),
    ("get", "office:restaurant-create", (), "", "office"),
    ("post", "office:restaurant-create", (), "", "office"),
    ("get", "office:restaurant-update", ("restaurant",), "", "member"),
    ("post", "office:restaurant-update", ("restaurant",), "", "member"),
    ("get", "office:restaurant-delete", ("restaurant",), "", "owner"),
    ("post", "office:restaurant-delete", ("restaurant",), "", "owner"),
    ("get", "office:member-list", ("restaurant",), "", "member"),
    ("post", "office:member-list", ("restaurant",), "", "owner"),
    ("post", "office:member-remove", ("restaurant", "member"), "", "owner"),
    ("get", "office:photo-list", ("restaurant",), "", "member"),
    ("post", "office:photo-list", ("restaurant",), "", "member"),
    ("post", "office:photo-update", ("restaurant", "photo"), "", "member"),
    ("post", "office:photo-main", ("restaurant", "photo"), "", "member"),
    ("post", "office:photo-move", ("restaurant", "photo"), "", "member"),
    ("post", "office:photo-delete", ("restaurant", "photo"), "", "member"),
    ("get", "office:seating", ("restaurant",), "", "member"),
    ("post", "office:seating-weekly", ("restaurant",), "", "member"),
    ("post", "office:seating-rules", ("restaurant",), "", "member"),
    ("post", "office:seating-exception", ("restaurant",), "", "member"),
    ("post", "office:seating-exception-delete", ("restaurant", "exception"), "", "member"),
    ("get", "office:booking-create", ("restaurant",), "", "member"),
    ("post", "office:booking-create", ("restaurant",), "", "member"),
    ("get", "office:booking-list", (), "", "office"),
    ("get", "office:booking-list", (), "restaurant={restaurant}", "member"),
    ("get", "office:booking-export", (), "restaurant={restaurant}&date=2030-01-01", "member"),
    ("get", "office:booking-detail", ("booking",), "", "member"),
    ("post", "office:booking-detail", ("booking",), "", "member"),
]


def expected(level, who):
    if who == ANON:
        return "login"
    if who == DINER:
        return 403
    if who in (OWNER, ADMIN):
        return "ok"
    if who == RIVAL:
        return "ok" if level == "office" else 404
    return 403 if level == "owner" else "ok"  # staff


@pytest.fixture
def objects(restaurant, staff_member, diner):
    photo = services.photo_add(restaurant=restaurant, upload=image_upload())
    day = restaurant.local_today() + timedelta(days=3)
    return {
        "restaurant": restaurant.pk,
        "member": RestaurantMember.objects.get(user=staff_member, restaurant=restaurant, role=MemberRole.STAFF).pk,
        "photo": photo.pk,
        "exception": make_exception(restaurant=restaurant, date=day + timedelta(days=1), closed=True).pk,
        "booking": make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, day)).pk,
    }


@pytest.mark.parametrize("who", [ANON, DINER, RIVAL, STAFF, OWNER, ADMIN])
@pytest.mark.parametrize(("method", "name", "needs", "query", "level"), ENDPOINTS, ids=lambda v: str(v))
def test_office_access_matrix(client, request, objects, other_restaurant, who, method, name, needs, query, level):
    if who != ANON:
        client.force_login(request.getfixturevalue(USERS[who]))
    url = reverse(name, args=[objects[n] for n in needs])
    if query:
        url += "?" + query.format(**objects)
    response = getattr(client, method)(url)
    want = expected(level, who)
    if want == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif want == "ok":
        assert response.status_code in (200, 302, 400), response.status_code
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == want


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_read_only_pages_refuse_writes(client, operator, restaurant, method):
    client.force_login(operator)
    response = getattr(client, method)(reverse("office:dashboard"))
    assert response.status_code == 405


def test_state_changes_need_post(client, operator, restaurant, objects):
    client.force_login(operator)
    response = client.get(reverse("office:photo-delete", args=[restaurant.pk, objects["photo"]]))
    assert response.status_code == 405
    assert restaurant.photos.filter(pk=objects["photo"]).exists()


def test_photo_of_another_restaurant_is_not_found_through_my_restaurant(client, operator, restaurant, other_restaurant):
    rival_photo = services.photo_add(restaurant=other_restaurant, upload=image_upload())
    client.force_login(operator)
    response = client.post(reverse("office:photo-delete", args=[restaurant.pk, rival_photo.pk]))
    assert response.status_code == 404
    assert other_restaurant.photos.filter(pk=rival_photo.pk).exists()


def test_another_restaurants_id_in_the_booking_filter_is_not_found(client, operator, restaurant, other_restaurant):
    client.force_login(operator)
    response = client.get(reverse("office:booking-list"), {"restaurant": other_restaurant.pk})
    assert response.status_code == 404


def test_member_of_another_restaurant_cannot_be_removed_through_mine(
    client, operator, restaurant, other_restaurant, other_operator
):
    rival_owner = RestaurantMember.objects.get(restaurant=other_restaurant, user=other_operator)
    client.force_login(operator)
    response = client.post(reverse("office:member-remove", args=[restaurant.pk, rival_owner.pk]))
    assert response.status_code == 404
    assert RestaurantMember.objects.filter(pk=rival_owner.pk).exists()


def test_booking_list_shows_only_my_restaurants(client, operator, restaurant, other_restaurant, diner):
    day = timezone.localdate() + timedelta(days=2)
    mine = make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, day), name="Mine Guest")
    make_booking(restaurant=other_restaurant, diner=diner, starts_at=local(other_restaurant, day), name="Rival Guest")
    client.force_login(operator)
    page = client.get(reverse("office:booking-list")).content.decode()
    assert mine.reference in page
    assert "Rival Guest" not in page
