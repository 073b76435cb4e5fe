from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from bookings.models import Restaurant


@login_required
def dashboard(request):
    restaurants = Restaurant.objects.for_member(request.user)
    if not request.user.is_superuser and not restaurants.exists():
        raise PermissionDenied
    return render(request, "office/dashboard.html", {"restaurants": restaurants})
