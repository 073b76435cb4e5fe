"""Who may do what in the office.

Anyone who is a member (owner or staff) of at least one restaurant, and superusers,
may enter. Every object is then looked up *through* the restaurants the user runs,
so another restaurant's ids, in a URL or a posted form, simply are not found (404)
and reveal nothing. Owner-only actions answer 403 to staff.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from bookings.models import Booking, MemberRole, Restaurant, RestaurantMember, RestaurantPhoto, SeatingException


def is_operator(user) -> bool:
    return user.is_authenticated and (user.is_superuser or RestaurantMember.objects.filter(user=user).exists())


def office_view(view):
    """Anonymous visitors go to the login page; signed-in people who run no restaurant get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_operator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def my_restaurants(user):
    return Restaurant.objects.for_member(user)


def is_owner(user, restaurant: Restaurant) -> bool:
    if user.is_superuser:
        return True
    return RestaurantMember.objects.filter(user=user, restaurant=restaurant, role=MemberRole.OWNER).exists()


def get_restaurant(request, pk, *, owner=False) -> Restaurant:
    """The restaurant if the user runs it (404 otherwise); `owner=True` also needs the owner role (403)."""
    restaurant = get_object_or_404(my_restaurants(request.user), pk=pk)
    if owner and not is_owner(request.user, restaurant):
        raise PermissionDenied
    return restaurant


def get_photo(restaurant: Restaurant, pk) -> RestaurantPhoto:
    return get_object_or_404(RestaurantPhoto.objects.filter(restaurant=restaurant), pk=pk)


def get_exception(restaurant: Restaurant, pk) -> SeatingException:
    return get_object_or_404(SeatingException.objects.filter(restaurant=restaurant), pk=pk)


def get_member(restaurant: Restaurant, pk) -> RestaurantMember:
    return get_object_or_404(RestaurantMember.objects.filter(restaurant=restaurant).select_related("user"), pk=pk)


def get_booking(request, pk) -> Booking:
    bookings = Booking.objects.filter(restaurant__in=my_restaurants(request.user)).select_related(
        "restaurant", "diner", "created_by", "cancelled_by"
    )
    return get_object_or_404(bookings, pk=pk)
