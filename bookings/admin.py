from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import (
    Booking,
    Category,
    Restaurant,
    RestaurantMember,
    RestaurantPhoto,
    Review,
    SeatingException,
    SeatingExceptionService,
    SeatingTemplate,
    SlotInventory,
)

# Bookings, photos and seating have rules that live in bookings/services.py (seat accounting in
# SlotInventory, image validation with derived sizes, refusing to cut seats below those booked).
# A plain admin form would skip them, so the admin only shows those rows; changes go through the
# site and the operators' office.
MSG_ADMIN_USE_OFFICE = _(
    "Photos and seating are managed in the office, which checks uploads and booked seats. The admin only shows them."
)
MSG_ADMIN_BOOKINGS_READ_ONLY = _(
    "Bookings are made and cancelled on the site and in the office, which keep the seat counts right. "
    "Here only the guest name, phone and request can be corrected."
)


class ViewOnlyMixin:
    """Rows the admin may show but never add, change or delete (their writes need a service)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class PhotoInline(admin.TabularInline):
    """Alt text and position may be edited; the image itself only through the office upload."""

    model = RestaurantPhoto
    extra = 0
    fields = ["image", "alt_text", "position", "is_main"]
    readonly_fields = ["image", "is_main"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the office deletes the derived sizes too


class MemberInline(admin.TabularInline):
    model = RestaurantMember
    extra = 0
    autocomplete_fields = ["user"]


class SeatingTemplateInline(ViewOnlyMixin, admin.TabularInline):
    model = SeatingTemplate
    extra = 0


class SeatingExceptionInline(ViewOnlyMixin, admin.TabularInline):
    model = SeatingException
    extra = 0
    show_change_link = True


def _office_links(restaurant_id) -> str:
    return format_html(
        '{} <a href="{}">{}</a> · <a href="{}">{}</a>',
        MSG_ADMIN_USE_OFFICE,
        reverse("office:photo-list", args=[restaurant_id]),
        _("Photos in the office"),
        reverse("office:seating", args=[restaurant_id]),
        _("Seating in the office"),
    )


@admin.register(Restaurant)
class RestaurantAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "price_range", "is_visible", "is_featured", "timezone", "created_at"]
    list_filter = ["category", "is_visible", "is_featured", "price_range"]
    search_fields = ["name", "address", "phone"]
    list_select_related = ["category"]
    readonly_fields = ["office_pages"]
    inlines = [PhotoInline, SeatingTemplateInline, SeatingExceptionInline, MemberInline]

    @admin.display(description=_("Office"))
    def office_pages(self, obj):
        if not obj.pk:
            return "-"
        return format_html(
            '{} · <a href="{}">{}</a>',
            _office_links(obj.pk),
            reverse("office:restaurant-update", args=[obj.pk]),
            _("Time zone in the office"),
        )

    def get_readonly_fields(self, request, obj=None):
        # A zone change with upcoming bookings would move their seats; the office form refuses it.
        return (
            [*super().get_readonly_fields(request, obj), "timezone"]
            if obj
            else super().get_readonly_fields(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return False  # the office cancels the bookings and tells the diners (restaurant_delete)


class SeatingExceptionServiceInline(ViewOnlyMixin, admin.TabularInline):
    model = SeatingExceptionService
    extra = 0


@admin.register(SeatingException)
class SeatingExceptionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["restaurant", "date", "is_closed", "note"]
    list_filter = ["is_closed", "restaurant"]
    search_fields = ["restaurant__name", "note"]
    date_hierarchy = "date"
    readonly_fields = ["office_pages"]
    inlines = [SeatingExceptionServiceInline]

    @admin.display(description=_("Office"))
    def office_pages(self, obj):
        return _office_links(obj.restaurant_id)


@admin.register(SeatingTemplate)
class SeatingTemplateAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["restaurant", "weekday", "start_time", "seats"]
    list_filter = ["weekday", "restaurant"]
    search_fields = ["restaurant__name"]
    readonly_fields = ["office_pages"]

    @admin.display(description=_("Office"))
    def office_pages(self, obj):
        return _office_links(obj.restaurant_id)


@admin.register(RestaurantPhoto)
class RestaurantPhotoAdmin(admin.ModelAdmin):
    list_display = ["restaurant", "alt_text", "position", "is_main", "created_at"]
    list_filter = ["is_main"]
    search_fields = ["restaurant__name", "alt_text"]
    list_select_related = ["restaurant"]
    fields = ["restaurant", "image", "alt_text", "position", "is_main", "office_pages"]
    readonly_fields = ["restaurant", "image", "is_main", "office_pages"]

    @admin.display(description=_("Office"))
    def office_pages(self, obj):
        return _office_links(obj.restaurant_id)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the office deletes the derived sizes too


@admin.register(RestaurantMember)
class RestaurantMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "restaurant", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "restaurant__name"]
    list_select_related = ["user", "restaurant"]
    autocomplete_fields = ["user", "restaurant"]


@admin.register(SlotInventory)
class SlotInventoryAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["restaurant", "starts_at", "seats_total", "seats_remaining"]
    list_filter = ["restaurant"]
    search_fields = ["restaurant__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["restaurant"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["reference", "restaurant", "starts_at", "party_size", "name", "status", "diner", "created_at"]
    list_filter = ["status", "restaurant"]
    search_fields = ["reference", "name", "phone", "diner__email", "restaurant__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["restaurant", "diner"]
    # Everything that holds or returns seats is read-only: only the services keep SlotInventory right.
    readonly_fields = [
        "reference",
        "restaurant",
        "starts_at",
        "party_size",
        "status",
        "diner",
        "created_by",
        "created_at",
        "updated_at",
        "cancelled_at",
        "cancelled_by",
        "cancel_reason",
        "office_note",
    ]

    @admin.display(description=_("Note"))
    def office_note(self, obj):
        return MSG_ADMIN_BOOKINGS_READ_ONLY

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleting a row would keep its seats taken; cancel it in the office instead


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["restaurant", "diner", "rating", "created_at"]
    list_filter = ["rating"]
    search_fields = ["restaurant__name", "diner__email", "text"]
    list_select_related = ["restaurant", "diner"]
    raw_id_fields = ["booking"]
