from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from bookings.models import Booking, Restaurant


def home(request):
    restaurants = Restaurant.objects.visible().select_related("category").with_main_photo().with_rating()
    return render(request, "web/home.html", {"restaurants": restaurants})


def restaurant_detail(request, pk):
    restaurant = get_object_or_404(Restaurant.objects.visible().select_related("category").with_main_photo(), pk=pk)
    return render(request, "web/restaurant_detail.html", {"restaurant": restaurant})


@login_required
def booking_detail(request, pk):
    booking = get_object_or_404(Booking.objects.select_related("restaurant"), pk=pk, diner=request.user)
    return render(request, "web/booking_detail.html", {"booking": booking})


@login_required
def review_create(request, booking_id):
    booking = get_object_or_404(Booking.objects.select_related("restaurant"), pk=booking_id, diner=request.user)
    return render(request, "web/booking_detail.html", {"booking": booking})
