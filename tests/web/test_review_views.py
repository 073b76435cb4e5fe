from datetime import date

import pytest
from django.urls import reverse

from bookings import services
from bookings.models import BookingStatus, Review
from tests.factories import local, make_booking
from web.views import MSG_REVIEW_DELETED, MSG_REVIEW_SAVED

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(restaurant, diner):
    return make_booking(
        restaurant=restaurant,
        diner=diner,
        starts_at=local(restaurant, date(2026, 5, 1)),
        status=BookingStatus.COMPLETED,
    )


def create_url(booking):
    return reverse("web:review-create", args=[booking.pk])


def rating_of(restaurant):
    from bookings.models import Restaurant

    r = Restaurant.objects.with_rating().get(pk=restaurant.pk)
    return r.rating_avg, r.rating_count


def test_diner_reviews_a_completed_visit_once(client, diner, visit, restaurant):
    client.force_login(diner)
    response = client.post(create_url(visit), {"rating": "4", "text": "Lovely"}, follow=True)
    assert str(MSG_REVIEW_SAVED) in response.content.decode()
    review = Review.objects.get()
    assert (review.rating, review.text, review.restaurant, review.diner) == (4, "Lovely", restaurant, diner)
    assert rating_of(restaurant) == (4, 1)
    # The same page now leads to editing the one review.
    response = client.get(create_url(visit))
    assert response["Location"] == reverse("web:review-update", args=[review.pk])
    client.post(create_url(visit), {"rating": "1", "text": "again"})
    assert Review.objects.count() == 1


def test_review_of_a_visit_not_completed_is_refused(client, diner, restaurant):
    booking = make_booking(restaurant=restaurant, diner=diner, starts_at=local(restaurant, date(2026, 5, 1)))
    client.force_login(diner)
    response = client.get(create_url(booking))
    assert str(services.MSG_REVIEW_NOT_ALLOWED) in response.content.decode()
    response = client.post(create_url(booking), {"rating": "5", "text": ""})
    assert str(services.MSG_REVIEW_NOT_ALLOWED) in response.content.decode()
    assert Review.objects.count() == 0


def test_bad_rating_is_refused(client, diner, visit):
    client.force_login(diner)
    response = client.post(create_url(visit), {"rating": "9", "text": ""})
    assert response.context["form"].errors["rating"]
    assert Review.objects.count() == 0


def test_review_access(client, visit, other_diner, operator):
    response = client.get(create_url(visit))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    for intruder in (other_diner, operator):
        client.force_login(intruder)
        assert client.post(create_url(visit), {"rating": "1"}).status_code == 404
    assert Review.objects.count() == 0


def test_diner_edits_and_deletes_their_review_and_the_average_follows(client, diner, visit, restaurant):
    review = Review.objects.create(booking=visit, restaurant=restaurant, diner=diner, rating=2, text="Meh")
    client.force_login(diner)
    update_url = reverse("web:review-update", args=[review.pk])
    assert client.get(update_url).context["form"].initial == {"rating": 2, "text": "Meh"}
    client.post(update_url, {"rating": "5", "text": "Better on second thought"})
    review.refresh_from_db()
    assert (review.rating, review.text) == (5, "Better on second thought")
    assert rating_of(restaurant) == (5, 1)

    delete_url = reverse("web:review-delete", args=[review.pk])
    assert client.get(delete_url).status_code == 200
    assert Review.objects.exists()  # asking is not deleting
    response = client.post(delete_url, follow=True)
    assert str(MSG_REVIEW_DELETED) in response.content.decode()
    assert not Review.objects.exists()
    assert rating_of(restaurant) == (None, 0)


def test_others_cannot_edit_or_delete_a_review(client, diner, visit, restaurant, other_diner, operator):
    review = Review.objects.create(booking=visit, restaurant=restaurant, diner=diner, rating=2, text="Meh")
    for url in (reverse("web:review-update", args=[review.pk]), reverse("web:review-delete", args=[review.pk])):
        assert client.post(url, {"rating": "5"}).status_code == 302  # anonymous: log in first
        for intruder in (other_diner, operator):
            client.force_login(intruder)
            assert client.post(url, {"rating": "5"}).status_code == 404
        client.logout()
    review.refresh_from_db()
    assert review.rating == 2
