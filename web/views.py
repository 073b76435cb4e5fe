import contextlib
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from bookings import services
from bookings.availability import bookable_restaurant_ids, slots_for_date, slots_for_days
from bookings.form_tokens import booking_idempotency_key, new_form_token, renew_form_token
from bookings.models import Booking, BookingStatus, Category, Restaurant, Review

from .forms import MAX_PARTY_SIZE, BookingForm, ReviewForm, SearchForm, SlotPickerForm, SlotSelect, parse_day

HOME_LIST_SIZE = 8
SEARCH_PAGE_SIZE = 12
RECENT_REVIEWS = 5
DEFAULT_PARTY_SIZE = 2

# Messages the availability API returns in {"error": ...}; tests assert on these.
MSG_API_BAD_DATE = gettext_lazy("date must be a date written as YYYY-MM-DD, within a year from today.")
MSG_API_BAD_PARTY_SIZE = gettext_lazy("party_size must be a whole number from 1 to %(max)s.")
MSG_API_METHOD = gettext_lazy("Only GET is allowed here.")
MSG_API_NOT_FOUND = gettext_lazy("There is no such restaurant.")
MSG_FORM_TOKEN_RENEWED = gettext_lazy("This booking form had expired. Please check the details and book again.")
MSG_BOOKED = gettext_lazy("Your table is booked. We have sent a confirmation email.")
MSG_CANCELLED = gettext_lazy("Your booking is cancelled. We have sent you an email.")
MSG_REVIEW_SAVED = gettext_lazy("Thank you! Your review is published.")
MSG_REVIEW_DELETED = gettext_lazy("Your review is deleted.")


def home(request):
    visible = Restaurant.objects.visible()
    featured_order = ("name", "id")
    newest_order = ("-created_at", "-id")
    top_order = ("-rating_avg", "-rating_count", "id")
    # The three lists' ids as subqueries, so one query loads every restaurant shown.
    featured_ids = visible.filter(is_featured=True).order_by(*featured_order).values("pk")[:HOME_LIST_SIZE]
    newest_ids = visible.order_by(*newest_order).values("pk")[:HOME_LIST_SIZE]
    top_ids = visible.with_rating().filter(rating_count__gt=0).order_by(*top_order).values("pk")[:HOME_LIST_SIZE]
    shown = list(
        visible.filter(Q(pk__in=featured_ids) | Q(pk__in=newest_ids) | Q(pk__in=top_ids))
        .select_related("category")
        .with_rating()
        .with_main_photo()
    )
    featured = _ordered(shown, lambda r: (r.name, r.pk), keep=lambda r: r.is_featured)
    newest = _ordered(shown, lambda r: (-r.created_at.timestamp(), -r.pk))
    top_rated = _ordered(shown, lambda r: (-r.rating_avg, -r.rating_count, r.pk), keep=lambda r: r.rating_count)
    context = {
        "featured": featured,
        "newest": newest,
        "top_rated": top_rated,
        "categories": Category.objects.all(),
    }
    return render(request, "web/home.html", context)


def _ordered(restaurants, key, keep=bool):
    return sorted((r for r in restaurants if keep(r)), key=key)[:HOME_LIST_SIZE]


def search(request):
    form = SearchForm(request.GET or None)
    restaurants = (
        Restaurant.objects.visible().select_related("category").with_rating().with_main_photo().order_by("name", "id")
    )
    day = party_size = None
    filtered = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        restaurants = restaurants.matching(data["q"])
        if data["category"]:
            restaurants = restaurants.in_category(data["category"])
        day, party_size = data["date"], data["party_size"]
        filtered = any(data.get(k) for k in ("q", "category", "date"))
    elif form.is_bound:
        restaurants = restaurants.none()
    if day:
        # Which restaurants have a fitting slot depends on their schedules: read all candidates,
        # then two queries decide for all of them (see bookings.availability).
        candidates = list(restaurants)
        bookable = bookable_restaurant_ids(candidates, day, party_size)
        restaurants = [r for r in candidates if r.pk in bookable]
    page = Paginator(restaurants, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "filtered": filtered,
        "day": day,
        "party_size": party_size,
        "query_string": query.urlencode(),
    }
    return render(request, "web/search.html", context)


def _restaurant_or_404(pk):
    return get_object_or_404(Restaurant.objects.visible().select_related("category"), pk=pk)


def restaurant_detail(request, pk):
    restaurant = get_object_or_404(
        # RestaurantPhoto.Meta.ordering puts the main photo first.
        Restaurant.objects.visible().select_related("category").with_rating().prefetch_related("photos"),
        pk=pk,
    )
    today = restaurant.local_today()
    slots = None
    if "date" in request.GET:
        picker = SlotPickerForm(request.GET, restaurant=restaurant, today=today)
        if picker.is_valid():
            slots = slots_for_date(restaurant, picker.cleaned_data["date"], picker.cleaned_data["party_size"])
    else:
        day, slots = _first_day_with_a_table(restaurant, today)
        picker = SlotPickerForm(
            {"date": day.isoformat(), "party_size": DEFAULT_PARTY_SIZE}, restaurant=restaurant, today=today
        )
        picker.is_valid()
    reviews = Review.objects.for_restaurant(restaurant).recent()[:RECENT_REVIEWS]
    context = {
        "restaurant": restaurant,
        "photos": list(restaurant.photos.all()),
        "picker": picker,
        "slots": slots,
        "day": picker.cleaned_data.get("date") if slots is not None else None,
        "party_size": picker.cleaned_data.get("party_size") if slots is not None else None,
        "reviews": reviews,
        "today": today,
        "last_day": restaurant.last_bookable_date(),
    }
    return render(request, "web/restaurant_detail.html", context)


def _first_day_with_a_table(restaurant, today):
    """Today, or tomorrow once today has nothing left to book (an evening visit), with its slots."""
    days = [today, today + timedelta(days=1)]
    by_day = slots_for_days([restaurant], days, DEFAULT_PARTY_SIZE)
    for day in days:
        if any(slot.available for slot in by_day[(restaurant.pk, day)]):
            return day, by_day[(restaurant.pk, day)]
    return today, by_day[(restaurant.pk, today)]


def _api_error(message, status=400):
    return JsonResponse({"error": str(message)}, status=status)


def availability_api(request, pk):
    if request.method not in ("GET", "HEAD"):
        response = _api_error(MSG_API_METHOD, status=405)
        response["Allow"] = "GET, HEAD"
        return response
    try:
        restaurant = Restaurant.objects.visible().get(pk=pk)
    except Restaurant.DoesNotExist:
        return _api_error(MSG_API_NOT_FOUND, status=404)
    day = parse_day(request.GET.get("date"))
    if day is None:
        return _api_error(MSG_API_BAD_DATE)
    try:
        party_size = int(request.GET.get("party_size", ""))
    except ValueError:
        party_size = 0
    if not 1 <= party_size <= MAX_PARTY_SIZE:
        return _api_error(MSG_API_BAD_PARTY_SIZE % {"max": MAX_PARTY_SIZE})
    slots = slots_for_date(restaurant, day, party_size)
    response = JsonResponse(
        {
            "restaurant": restaurant.pk,
            "date": day.isoformat(),
            "party_size": party_size,
            "timezone": restaurant.timezone,
            "slots": [slot.as_json() for slot in slots],
        }
    )
    # Seats change with every booking: never serve this from a shared cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def book(request, pk):
    restaurant = _restaurant_or_404(pk)
    if request.method == "POST":
        form = BookingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            starts_at = datetime.combine(data["date"], data["time"], tzinfo=restaurant.tz)
            try:
                booking = services.booking_create(
                    diner=request.user,
                    restaurant=restaurant,
                    starts_at=starts_at,
                    party_size=data["party_size"],
                    name=data["name"],
                    phone=data["phone"],
                    request=data["request"],
                    idempotency_key=booking_idempotency_key(
                        scope="web",
                        user=request.user,
                        form_token=data["form_token"],
                        restaurant=restaurant,
                        starts_at=starts_at,
                        party_size=data["party_size"],
                    ),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, MSG_BOOKED)
                return redirect(booking)
        elif "form_token" in form.errors:
            renew_form_token(form, MSG_FORM_TOKEN_RENEWED)
    else:
        initial = {
            "party_size": DEFAULT_PARTY_SIZE,
            "name": request.user.display_name,
            "phone": request.user.phone,
        }
        # The slot picker links here with the chosen date, time and party size.
        fields = BookingForm.base_fields
        for name in ("date", "time", "party_size"):
            with contextlib.suppress(KeyError, ValidationError):
                initial[name] = fields[name].clean(request.GET[name])
        if "time" in initial:
            initial["time"] = initial["time"].strftime("%H:%M")
        initial["form_token"] = new_form_token()
        form = BookingForm(initial=initial)
    _offer_the_days_times(form, restaurant)
    return render(request, "web/booking_form.html", {"restaurant": restaurant, "form": form})


def _offer_the_days_times(form, restaurant) -> None:
    """Turn the time box into a list of the chosen day's services, when the date is known."""
    fields = BookingForm.base_fields
    try:
        day = fields["date"].clean(form["date"].value())
        party_size = fields["party_size"].clean(form["party_size"].value())
    except ValidationError:
        return
    slots = slots_for_date(restaurant, day, party_size)
    if not slots:
        return
    choices, unavailable = [], set()
    for slot in slots:
        if slot.available:
            label = ngettext("%(time)s (%(n)s seat left)", "%(time)s (%(n)s seats left)", slot.seats_remaining)
            label %= {"time": slot.time_label, "n": slot.seats_remaining}
        else:
            label = f"{slot.time_label} ({slot.reason_label})"
            unavailable.add(slot.time_label)
        choices.append((slot.time_label, label))
    form.fields["time"].widget = SlotSelect(choices=choices, unavailable=unavailable)


@login_required
def booking_list(request):
    now = timezone.now()
    bookings = list(Booking.objects.for_diner(request.user).select_related("restaurant").with_review_flag())
    upcoming = sorted((b for b in bookings if b.starts_at >= now), key=lambda b: (b.starts_at, b.pk))
    past = sorted((b for b in bookings if b.starts_at < now), key=lambda b: (b.starts_at, b.pk), reverse=True)
    return render(request, "web/booking_list.html", {"upcoming": upcoming, "past": past})


def _own_booking_or_404(request, pk):
    return get_object_or_404(
        Booking.objects.for_diner(request.user).select_related("restaurant").with_review_flag(), pk=pk
    )


@login_required
def booking_detail(request, pk):
    booking = _own_booking_or_404(request, pk)
    return render(request, "web/booking_detail.html", {"booking": booking})


@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel(request, pk):
    booking = _own_booking_or_404(request, pk)
    error = None
    if request.method == "POST":
        try:
            services.booking_cancel(booking=booking, by=request.user)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, MSG_CANCELLED)
            return redirect(booking)
    elif booking.status == BookingStatus.CONFIRMED and not booking.is_cancellable:
        error = services.MSG_CANCEL_CUTOFF % {"hours": booking.restaurant.cancel_cutoff_hours}
    return render(request, "web/booking_cancel.html", {"booking": booking, "error": error})


@login_required
@require_http_methods(["GET", "POST"])
def review_create(request, booking_id):
    booking = _own_booking_or_404(request, booking_id)
    existing = Review.objects.filter(booking=booking).first()
    if existing is not None:
        return redirect("web:review-update", pk=existing.pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_create(booking=booking, diner=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, MSG_REVIEW_SAVED)
            return redirect(booking)
    context = {
        "booking": booking,
        "form": form,
        "not_allowed": None if booking.is_reviewable else services.MSG_REVIEW_NOT_ALLOWED,
    }
    return render(request, "web/review_form.html", context)


def _own_review_or_404(request, pk):
    return get_object_or_404(Review.objects.select_related("booking__restaurant"), pk=pk, diner=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def review_update(request, pk):
    review = _own_review_or_404(request, pk)
    form = ReviewForm(request.POST or None, initial={"rating": review.rating, "text": review.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.review_update(review=review, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, MSG_REVIEW_SAVED)
            return redirect(review.booking)
    return render(request, "web/review_form.html", {"booking": review.booking, "review": review, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def review_delete(request, pk):
    review = _own_review_or_404(request, pk)
    if request.method == "POST":
        booking = review.booking
        services.review_delete(review=review)
        messages.success(request, MSG_REVIEW_DELETED)
        return redirect(booking)
    return render(request, "web/review_confirm_delete.html", {"review": review, "booking": review.booking})
