from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Booking, BookingStatus, MemberRole, Restaurant, RestaurantMember
from office.forms import MSG_TIMEZONE_HAS_BOOKINGS
from tests.factories import image_upload, local, make_booking, make_category, make_user


def test_creator_becomes_owner(client, staff_member, restaurant):
    category = make_category()
    client.force_login(staff_member)  # staff elsewhere, owner of what they create
    data = {
        "name": "New Place",
        "category": category.pk,
        "address": "2 Test-ro",
        "price_range": 2,
        "is_visible": "on",
        "timezone": "Asia/Seoul",
    }
    response = client.post(reverse("office:restaurant-create"), data)
    created = Restaurant.objects.get(name="New Place")
    assert response["Location"] == reverse("office:seating", args=[created.pk])
    member = RestaurantMember.objects.get(restaurant=created)
    assert (member.user, member.role) == (staff_member, MemberRole.OWNER)


def test_first_restaurant_opens_the_office_to_a_new_operator(client, diner):
    client.force_login(diner)
    assert client.get(reverse("office:restaurant-create")).status_code == 403  # a diner is not an operator yet


def test_staff_can_edit_details(client, staff_member, restaurant):
    client.force_login(staff_member)
    data = {
        "name": "Renamed Bistro",
        "category": restaurant.category_id,
        "address": restaurant.address,
        "price_range": 3,
        "timezone": "Asia/Seoul",
    }
    response = client.post(reverse("office:restaurant-update", args=[restaurant.pk]), data)
    assert response.status_code == 302
    restaurant.refresh_from_db()
    assert restaurant.name == "Renamed Bistro"
    assert restaurant.is_visible is False  # unticked box


def test_delete_confirmation_says_what_happens_to_future_bookings(client, operator, restaurant, diner):
    make_booking(
        restaurant=restaurant, diner=diner, starts_at=local(restaurant, restaurant.local_today() + timedelta(2))
    )
    client.force_login(operator)
    page = client.get(reverse("office:restaurant-delete", args=[restaurant.pk])).content.decode()
    assert "It has 1 upcoming booking. It will be cancelled by the restaurant and the guest emailed" in page
    assert str(services.MSG_RESTAURANT_CLOSED) in page


def test_deleting_a_restaurant_cancels_future_bookings_and_emails_the_diners(
    client, operator, restaurant, diner, other_diner, stored_files, django_capture_on_commit_callbacks
):
    today = restaurant.local_today()
    soon = services.booking_create(
        diner=diner,
        restaurant=restaurant,
        starts_at=local(restaurant, today + timedelta(2)),
        party_size=2,
        name="D",
        phone="1",
    )
    walk_in = make_booking(restaurant=restaurant, diner=None, starts_at=local(restaurant, today + timedelta(3)))
    make_booking(
        restaurant=restaurant,
        diner=other_diner,
        starts_at=local(restaurant, today - timedelta(3)),
        status=BookingStatus.COMPLETED,
    )
    services.photo_add(restaurant=restaurant, upload=image_upload())
    mail.outbox.clear()
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("office:restaurant-delete", args=[restaurant.pk]), follow=True)

    assert "2 bookings were cancelled" in response.content.decode()
    assert not Restaurant.objects.visible().filter(pk=restaurant.pk).exists()
    assert not Restaurant.objects.for_member(operator).filter(pk=restaurant.pk).exists()
    assert client.get(restaurant.get_absolute_url()).status_code == 404
    assert client.get(reverse("office:restaurant-update", args=[restaurant.pk])).status_code in (403, 404)
    assert set(Booking.objects.filter(pk__in=[soon.pk, walk_in.pk]).values_list("status", flat=True)) == {
        BookingStatus.CANCELLED
    }
    # The diner's past visit stays in their history, with its restaurant.
    client.force_login(other_diner)
    history = client.get(reverse("web:booking-list"))
    assert [b.restaurant.name for b in history.context["past"]] == [restaurant.name]
    assert [m.to for m in mail.outbox] == [[diner.email]]  # the past visit is not mailed; the walk-in has no email
    assert soon.reference in mail.outbox[0].subject
    assert str(services.MSG_RESTAURANT_CLOSED) in mail.outbox[0].body
    assert stored_files() == []


def test_owner_adds_staff_by_email_and_removes_them(client, operator, restaurant):
    newcomer = make_user(email="new.cook@test.example")
    client.force_login(operator)
    url = reverse("office:member-list", args=[restaurant.pk])
    response = client.post(url, {"email": "New.Cook@test.example"})
    assert response.status_code == 302
    member = RestaurantMember.objects.get(user=newcomer, restaurant=restaurant)
    assert member.role == MemberRole.STAFF

    client.post(reverse("office:member-remove", args=[restaurant.pk, member.pk]))
    assert not RestaurantMember.objects.filter(pk=member.pk).exists()


def test_adding_an_unknown_email_or_a_member_twice_explains(client, operator, restaurant, staff_member):
    client.force_login(operator)
    url = reverse("office:member-list", args=[restaurant.pk])
    page = client.post(url, {"email": "nobody@test.example"}).content.decode()
    assert "No account uses the email nobody@test.example" in page
    page = client.post(url, {"email": staff_member.email}).content.decode()
    assert "is already a member of this restaurant" in page


def test_the_last_owner_cannot_be_removed(client, operator, restaurant):
    client.force_login(operator)
    owner = RestaurantMember.objects.get(user=operator, restaurant=restaurant)
    response = client.post(reverse("office:member-remove", args=[restaurant.pk, owner.pk]), follow=True)
    assert str(services.MSG_LAST_OWNER) in response.content.decode()
    assert RestaurantMember.objects.filter(pk=owner.pk).exists()


def test_staff_see_the_team_but_cannot_change_it(client, staff_member, restaurant):
    client.force_login(staff_member)
    page = client.get(reverse("office:member-list", args=[restaurant.pk])).content.decode()
    assert "Only owners can change the team." in page
    assert (
        client.post(reverse("office:member-list", args=[restaurant.pk]), {"email": "x@test.example"}).status_code == 403
    )


def test_restaurant_list_query_count_is_fixed(client, operator, django_assert_max_num_queries):
    from tests.factories import make_restaurant

    for _ in range(5):
        make_restaurant(owner=operator)
    client.force_login(operator)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("office:restaurant-list"))
    assert len(response.context["rows"]) == 5


def details(restaurant, **changes):
    return {
        "name": restaurant.name,
        "category": restaurant.category_id,
        "address": restaurant.address,
        "price_range": restaurant.price_range,
        "is_visible": "on",
        "timezone": restaurant.timezone,
        **changes,
    }


def test_time_zone_cannot_change_while_bookings_are_upcoming(client, operator, restaurant, diner):
    make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, timezone.localdate() + timedelta(3)))
    client.force_login(operator)
    new_zone = "Europe/London" if restaurant.timezone != "Europe/London" else "Asia/Seoul"

    response = client.post(
        reverse("office:restaurant-update", args=[restaurant.pk]), details(restaurant, timezone=new_zone)
    )

    assert response.status_code == 200
    assert str(MSG_TIMEZONE_HAS_BOOKINGS) in response.content.decode()
    old_zone = restaurant.timezone
    restaurant.refresh_from_db()
    assert restaurant.timezone == old_zone


def test_time_zone_may_change_when_only_past_or_cancelled_bookings_remain(client, operator, restaurant, diner):
    today = timezone.localdate()
    make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, today - timedelta(3)))
    make_booking(
        restaurant=restaurant,
        diner=diner,
        starts_at=local(restaurant, today + timedelta(3)),
        status=BookingStatus.CANCELLED,
    )
    client.force_login(operator)
    new_zone = "Europe/London" if restaurant.timezone != "Europe/London" else "Asia/Seoul"

    response = client.post(
        reverse("office:restaurant-update", args=[restaurant.pk]), details(restaurant, timezone=new_zone)
    )

    assert response.status_code == 302
    restaurant.refresh_from_db()
    assert restaurant.timezone == new_zone
