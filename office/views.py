import csv
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings import services
from bookings.availability import REASON_CLOSED, REASON_LABELS, schedules_for_date, slots_for_date, slots_for_many
from bookings.form_tokens import booking_idempotency_key, new_form_token, renew_form_token
from bookings.models import ACTIVE_STATUSES, Booking, BookingStatus, MemberRole, RestaurantMember, SeatingTemplate

from . import forms
from .permissions import (
    get_booking,
    get_exception,
    get_member,
    get_photo,
    get_restaurant,
    is_owner,
    my_restaurants,
    office_view,
)

BOOKINGS_PER_PAGE = 50
UPCOMING_ON_DASHBOARD = 20
# Cells a spreadsheet would run as a formula (CSV injection); prefixed with a quote in exports.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _local_day_windows(restaurants, day_for):
    """[(restaurant ids, start, end)] covering each restaurant's local day, one entry per time zone and date."""
    groups = defaultdict(list)
    for restaurant in restaurants:
        groups[(restaurant.timezone, day_for(restaurant))].append(restaurant)
    windows = []
    for (_tz, day), members in groups.items():
        start = datetime.combine(day, time.min, tzinfo=members[0].tz)
        windows.append(
            ([r.pk for r in members], start, datetime.combine(day + timedelta(days=1), time.min, members[0].tz))
        )
    return windows


def _on_local_day(restaurants, day_for) -> Q:
    query = Q(pk__in=[])
    for ids, start, end in _local_day_windows(restaurants, day_for):
        query |= Q(restaurant_id__in=ids, starts_at__gte=start, starts_at__lt=end)
    return query


# --- Dashboard -----------------------------------------------------------------------------


@office_view
@require_GET
def dashboard(request):
    now = timezone.now()
    restaurants = list(my_restaurants(request.user).order_by("name", "id"))
    today = Booking.objects.filter(_on_local_day(restaurants, lambda r: r.local_today(now)))
    todays_bookings = list(today.select_related("restaurant", "diner").order_by("starts_at", "id"))
    counts = dict(today.order_by().values_list("status").annotate(n=Count("id")))
    status_counts = [(status.label, counts.get(status.value, 0)) for status in BookingStatus]
    later = Q(pk__in=[])
    for ids, _start, end in _local_day_windows(restaurants, lambda r: r.local_today(now)):
        later |= Q(restaurant_id__in=ids, starts_at__gte=end)
    upcoming = list(
        Booking.objects.filter(later, status__in=ACTIVE_STATUSES)
        .select_related("restaurant", "diner")
        .order_by("starts_at", "id")[:UPCOMING_ON_DASHBOARD]
    )
    by_day = defaultdict(list)
    for restaurant in restaurants:
        by_day[restaurant.local_today(now)].append(restaurant)
    services_today = []
    for day, group in by_day.items():
        slots = slots_for_many(group, day, 1, now)
        services_today += [(restaurant, slots[restaurant.pk]) for restaurant in group]
    services_today.sort(key=lambda pair: (pair[0].name, pair[0].pk))
    return render(
        request,
        "office/dashboard.html",
        {
            "restaurants": restaurants,
            "todays_bookings": todays_bookings,
            "status_counts": status_counts,
            "upcoming": upcoming,
            "services_today": services_today,
        },
    )


# --- Restaurants and members ---------------------------------------------------------------


@office_view
@require_GET
def restaurant_list(request):
    now = timezone.now()
    restaurants = (
        my_restaurants(request.user)
        .select_related("category")
        .annotate(
            upcoming_count=Count(
                "bookings",
                filter=Q(bookings__starts_at__gte=now, bookings__status__in=ACTIVE_STATUSES),
                distinct=True,
            ),
            photo_count=Count("photos", distinct=True),
        )
        .order_by("name", "id")
    )
    roles = dict(RestaurantMember.objects.filter(user=request.user).values_list("restaurant_id", "role"))
    rows = [(restaurant, roles.get(restaurant.pk)) for restaurant in restaurants]
    return render(request, "office/restaurant_list.html", {"rows": rows, "owner_role": MemberRole.OWNER})


@office_view
@require_http_methods(["GET", "POST"])
def restaurant_create(request):
    form = forms.RestaurantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        restaurant = services.restaurant_create(restaurant=form.save(commit=False), owner=request.user)
        messages.success(request, _("%(name)s is created. Now set up its seating.") % {"name": restaurant.name})
        return redirect("office:seating", pk=restaurant.pk)
    return render(request, "office/restaurant_form.html", {"form": form})


@office_view
@require_http_methods(["GET", "POST"])
def restaurant_update(request, pk):
    restaurant = get_restaurant(request, pk)
    form = forms.RestaurantForm(request.POST or None, instance=restaurant)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Changes saved."))
        return redirect("office:restaurant-update", pk=restaurant.pk)
    return render(
        request,
        "office/restaurant_form.html",
        {"form": form, "restaurant": restaurant, "can_own": is_owner(request.user, restaurant)},
    )


@office_view
@require_http_methods(["GET", "POST"])
def restaurant_delete(request, pk):
    restaurant = get_restaurant(request, pk, owner=True)
    future = Booking.objects.filter(restaurant=restaurant, starts_at__gte=timezone.now(), status__in=ACTIVE_STATUSES)
    if request.method == "POST":
        name = restaurant.name
        cancelled = services.restaurant_delete(restaurant=restaurant, by=request.user)
        messages.success(
            request,
            ngettext(
                "%(name)s is deleted. %(count)s booking was cancelled and the guest emailed.",
                "%(name)s is deleted. %(count)s bookings were cancelled and the guests emailed.",
                cancelled,
            )
            % {"name": name, "count": cancelled},
        )
        # Whoever deleted their only restaurant is no longer an operator.
        return redirect("office:restaurant-list" if my_restaurants(request.user).exists() else "web:home")
    return render(
        request,
        "office/restaurant_confirm_delete.html",
        {"restaurant": restaurant, "future_count": future.count(), "reason": services.MSG_RESTAURANT_CLOSED},
    )


@office_view
@require_http_methods(["GET", "POST"])
def member_list(request, pk):
    restaurant = get_restaurant(request, pk)
    can_manage = is_owner(request.user, restaurant)
    form = forms.MemberAddForm(request.POST or None)
    if request.method == "POST":
        restaurant = get_restaurant(request, pk, owner=True)
        if form.is_valid():
            try:
                member = services.member_add(restaurant=restaurant, email=form.cleaned_data["email"])
            except ValidationError as error:
                form.add_error("email", error)
            else:
                messages.success(request, _("%(email)s can now run this restaurant.") % {"email": member.user.email})
                return redirect("office:member-list", pk=restaurant.pk)
    members = restaurant.members.select_related("user").order_by("role", "user__email")
    return render(
        request,
        "office/member_list.html",
        {"restaurant": restaurant, "members": members, "form": form, "can_manage": can_manage},
    )


@office_view
@require_POST
def member_remove(request, pk, member_id):
    restaurant = get_restaurant(request, pk, owner=True)
    member = get_member(restaurant, member_id)
    try:
        services.member_remove(member=member)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(email)s was removed.") % {"email": member.user.email})
    return redirect("office:member-list", pk=restaurant.pk)


# --- Photos ----------------------------------------------------------------------------------


def _photo_page(request, restaurant, upload_form, status=200):
    photos = list(restaurant.photos.order_by("position", "id"))
    return render(
        request,
        "office/photo_list.html",
        {"restaurant": restaurant, "photos": photos, "upload_form": upload_form},
        status=status,
    )


@office_view
@require_http_methods(["GET", "POST"])
def photo_list(request, pk):
    restaurant = get_restaurant(request, pk)
    if request.method == "GET":
        return _photo_page(request, restaurant, forms.PhotoUploadForm())
    form = forms.PhotoUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _photo_page(request, restaurant, form, status=400)
    added, refused = 0, []
    for upload in form.cleaned_data["images"]:
        try:
            services.photo_add(restaurant=restaurant, upload=upload, alt_text=form.cleaned_data["alt_text"])
        except ValidationError as error:
            refused.append((upload.name, _error_text(error)))
        else:
            added += 1
    if added:
        messages.success(
            request, ngettext("%(count)s photo added.", "%(count)s photos added.", added) % {"count": added}
        )
    for name, reason in refused:
        messages.error(request, _("%(file)s was not added: %(reason)s") % {"file": name, "reason": reason})
    return redirect("office:photo-list", pk=restaurant.pk)


@office_view
@require_POST
def photo_update(request, pk, photo_id):
    restaurant = get_restaurant(request, pk)
    photo = get_photo(restaurant, photo_id)
    form = forms.PhotoAltForm(request.POST)
    if form.is_valid():
        services.photo_update(photo=photo, alt_text=form.cleaned_data["alt_text"])
        messages.success(request, _("Description saved."))
    else:
        messages.error(request, _error_text(ValidationError(form.errors["alt_text"])))
    return redirect("office:photo-list", pk=restaurant.pk)


@office_view
@require_POST
def photo_main(request, pk, photo_id):
    restaurant = get_restaurant(request, pk)
    services.photo_set_main(photo=get_photo(restaurant, photo_id))
    messages.success(request, _("Main photo chosen."))
    return redirect("office:photo-list", pk=restaurant.pk)


@office_view
@require_POST
def photo_move(request, pk, photo_id):
    restaurant = get_restaurant(request, pk)
    photo = get_photo(restaurant, photo_id)
    form = forms.PhotoMoveForm(request.POST)
    if form.is_valid():
        services.photo_move(photo=photo, offset=form.cleaned_data["offset"])
    return redirect(reverse("office:photo-list", args=[restaurant.pk]) + f"#photo-{photo.pk}")


@office_view
@require_POST
def photo_delete(request, pk, photo_id):
    restaurant = get_restaurant(request, pk)
    services.photo_delete(photo=get_photo(restaurant, photo_id))
    messages.success(request, _("Photo deleted."))
    return redirect("office:photo-list", pk=restaurant.pk)


# --- Seating -------------------------------------------------------------------------------


def _weekly_initial(restaurant):
    return [
        {"weekday": row.weekday, "start_time": row.start_time, "seats": row.seats}
        for row in SeatingTemplate.objects.filter(restaurant=restaurant).order_by("weekday", "start_time")
    ]


def _preview(restaurant, form):
    if not form.is_bound or not form.is_valid():
        return None
    day, party_size = form.cleaned_data["date"], form.cleaned_data["party_size"]
    schedule = schedules_for_date([restaurant.pk], day)[restaurant.pk]
    return {
        "date": day,
        "party_size": party_size,
        "closed": schedule.is_closed,
        "closed_label": REASON_LABELS[REASON_CLOSED],
        "slots": slots_for_date(restaurant, day, party_size),
    }


def _seating_page(request, restaurant, *, status=200, **overrides):
    today = restaurant.local_today()
    preview_form = forms.PreviewForm(request.GET if "date" in request.GET else None)
    edit = None
    if "edit" in request.GET:
        edit = restaurant.seating_exceptions.filter(pk=request.GET["edit"] if request.GET["edit"].isdigit() else 0)
        edit = edit.prefetch_related("services").first()
    context = {
        "restaurant": restaurant,
        "weekly_formset": forms.WeeklyServiceFormSet(initial=_weekly_initial(restaurant), prefix="weekly"),
        "rules_form": forms.RulesForm(instance=restaurant),
        "exception_form": forms.ExceptionForm(
            initial={"date": edit.date, "is_closed": edit.is_closed, "note": edit.note} if edit else None
        ),
        "service_formset": forms.ServiceFormSet(
            prefix="services",
            initial=[{"start_time": s.start_time, "seats": s.seats} for s in edit.services.all()] if edit else None,
        ),
        "exceptions": restaurant.seating_exceptions.filter(date__gte=today).prefetch_related("services"),
        "preview_form": preview_form,
        "preview": _preview(restaurant, preview_form),
        "affected": None,
        "weekly_errors": [],
    }
    context.update(overrides)
    return render(request, "office/seating.html", context, status=status)


@office_view
@require_GET
def seating(request, pk):
    return _seating_page(request, get_restaurant(request, pk))


@office_view
@require_POST
def seating_weekly(request, pk):
    restaurant = get_restaurant(request, pk)
    formset = forms.WeeklyServiceFormSet(request.POST, prefix="weekly")
    weekly_errors, affected = [], None
    if formset.is_valid():
        rows = [
            (f.cleaned_data["weekday"], f.cleaned_data["start_time"], f.cleaned_data["seats"])
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            services.seating_weekly_set(restaurant=restaurant, services=rows)
        except ValidationError as error:
            weekly_errors, affected = error.messages, getattr(error, "bookings", None)
        else:
            messages.success(request, _("Weekly services saved."))
            return redirect("office:seating", pk=restaurant.pk)
    return _seating_page(
        request, restaurant, weekly_formset=formset, weekly_errors=weekly_errors, affected=affected, status=400
    )


@office_view
@require_POST
def seating_rules(request, pk):
    restaurant = get_restaurant(request, pk)
    form = forms.RulesForm(request.POST, instance=restaurant)
    if form.is_valid():
        form.save()
        messages.success(request, _("Booking rules saved."))
        return redirect("office:seating", pk=restaurant.pk)
    restaurant.refresh_from_db()
    return _seating_page(request, restaurant, rules_form=form, status=400)


@office_view
@require_POST
def seating_exception(request, pk):
    restaurant = get_restaurant(request, pk)
    form = forms.ExceptionForm(request.POST)
    formset = forms.ServiceFormSet(request.POST, prefix="services")
    affected = None
    if form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        rows = [(f.cleaned_data["start_time"], f.cleaned_data["seats"]) for f in formset.forms if f.cleaned_data]
        if not data["is_closed"] and not rows:
            data["is_closed"] = True  # special hours without any service is a closed day
        try:
            services.seating_exception_set(
                restaurant=restaurant, day=data["date"], is_closed=data["is_closed"], note=data["note"], services=rows
            )
        except ValidationError as error:
            form.add_error(None, error)
            affected = getattr(error, "bookings", None)
        else:
            messages.success(request, _("Saved the exception for %(date)s.") % {"date": data["date"].isoformat()})
            return redirect("office:seating", pk=restaurant.pk)
    return _seating_page(
        request, restaurant, exception_form=form, service_formset=formset, affected=affected, status=400
    )


@office_view
@require_POST
def seating_exception_delete(request, pk, exception_id):
    restaurant = get_restaurant(request, pk)
    exception = get_exception(restaurant, exception_id)
    try:
        services.seating_exception_delete(exception=exception)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return _seating_page(request, restaurant, affected=getattr(error, "bookings", None), status=400)
    messages.success(request, _("%(date)s follows the weekly services again.") % {"date": exception.date.isoformat()})
    return redirect("office:seating", pk=restaurant.pk)


# --- Bookings --------------------------------------------------------------------------------


@office_view
@require_GET
def booking_list(request):
    restaurants = my_restaurants(request.user).order_by("name", "id")
    form = forms.BookingFilterForm(request.GET or None, restaurants=restaurants)
    bookings = Booking.objects.filter(restaurant__in=restaurants).select_related("restaurant", "diner")
    chosen = None
    if form.is_bound:
        if not form.is_valid() and "restaurant" in form.errors:
            raise Http404  # someone else's restaurant id
        data = form.cleaned_data
        chosen = data.get("restaurant")
        if chosen:
            bookings = bookings.filter(restaurant=chosen)
        if data.get("date"):
            day = data["date"]
            bookings = bookings.filter(_on_local_day([chosen] if chosen else restaurants, lambda r: day))
            bookings = bookings.order_by("starts_at", "id")
        if data.get("status"):
            bookings = bookings.filter(status=data["status"])
    page = Paginator(bookings, BOOKINGS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "office/booking_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "restaurants": restaurants,
            "export_form": forms.ExportForm(),
            "chosen": chosen,
        },
    )


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@office_view
@require_GET
def booking_export(request):
    form = forms.ExportForm(request.GET)
    if not form.is_valid():
        raise Http404
    restaurant = get_restaurant(request, form.cleaned_data["restaurant"])
    day = form.cleaned_data["date"]
    bookings = (
        Booking.objects.filter(_on_local_day([restaurant], lambda r: day))
        .select_related("restaurant", "diner", "created_by")
        .order_by("starts_at", "id")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"bookings-{slugify(restaurant.name) or restaurant.pk}-{day.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so spreadsheet programs read the names as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [_("Time"), _("Reference"), _("Party size"), _("Name"), _("Phone"), _("Email"), _("Status"), _("Request")]
    )
    for booking in bookings:
        writer.writerow(
            _csv_cell(value)
            for value in (
                f"{booking.local_starts_at:%H:%M}",
                booking.reference,
                booking.party_size,
                booking.name,
                booking.phone,
                booking.diner.email if booking.diner_id else "",
                booking.get_status_display(),
                booking.request,
            )
        )
    return response


@office_view
@require_http_methods(["GET", "POST"])
def booking_detail(request, pk):
    booking = get_booking(request, pk)
    form = forms.StatusForm(request.POST or None, booking=booking)
    if request.method == "POST" and form.is_valid():
        try:
            services.booking_set_status(
                booking=booking, status=form.cleaned_data["status"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The booking is now %(status)s.") % {"status": booking.get_status_display().lower()}
            )
            return redirect("office:booking-detail", pk=booking.pk)
    return render(
        request,
        "office/booking_detail.html",
        {"booking": booking, "form": form},
        status=400 if form.errors else 200,
    )


@office_view
@require_http_methods(["GET", "POST"])
def booking_create(request, pk):
    restaurant = get_restaurant(request, pk)
    initial = {"date": restaurant.local_today(), "party_size": 2, "form_token": new_form_token()}
    form = forms.WalkInForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at = datetime.combine(data["date"], data["time"], tzinfo=restaurant.tz)
        try:
            booking = services.booking_create(
                diner=None,
                restaurant=restaurant,
                starts_at=starts_at,
                party_size=data["party_size"],
                name=data["name"],
                phone=data["phone"],
                request=data["request"],
                created_by=request.user,
                by_restaurant=True,
                idempotency_key=booking_idempotency_key(
                    scope="office",
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
            messages.success(request, _("Booked: %(ref)s.") % {"ref": booking.reference})
            return redirect("office:booking-detail", pk=booking.pk)
    elif request.method == "POST" and "form_token" in form.errors:
        renew_form_token(form, forms.MSG_WALK_IN_TOKEN_RENEWED)
    return render(
        request,
        "office/booking_form.html",
        {"restaurant": restaurant, "form": form},
        status=400 if form.errors else 200,
    )
