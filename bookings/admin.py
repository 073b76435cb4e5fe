from django.contrib import admin

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


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class PhotoInline(admin.TabularInline):
    model = RestaurantPhoto
    extra = 0
    fields = ["image", "alt_text", "position", "is_main"]


class MemberInline(admin.TabularInline):
    model = RestaurantMember
    extra = 0
    autocomplete_fields = ["user"]


class SeatingTemplateInline(admin.TabularInline):
    model = SeatingTemplate
    extra = 0


class SeatingExceptionInline(admin.TabularInline):
    model = SeatingException
    extra = 0
    show_change_link = True


@admin.register(Restaurant)
class RestaurantAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "price_range", "is_visible", "is_featured", "timezone", "created_at"]
    list_filter = ["category", "is_visible", "is_featured", "price_range"]
    search_fields = ["name", "address", "phone"]
    list_select_related = ["category"]
    inlines = [PhotoInline, SeatingTemplateInline, SeatingExceptionInline, MemberInline]


class SeatingExceptionServiceInline(admin.TabularInline):
    model = SeatingExceptionService
    extra = 0


@admin.register(SeatingException)
class SeatingExceptionAdmin(admin.ModelAdmin):
    list_display = ["restaurant", "date", "is_closed", "note"]
    list_filter = ["is_closed", "restaurant"]
    search_fields = ["restaurant__name", "note"]
    date_hierarchy = "date"
    inlines = [SeatingExceptionServiceInline]


@admin.register(SeatingTemplate)
class SeatingTemplateAdmin(admin.ModelAdmin):
    list_display = ["restaurant", "weekday", "start_time", "seats"]
    list_filter = ["weekday", "restaurant"]
    search_fields = ["restaurant__name"]


@admin.register(RestaurantPhoto)
class RestaurantPhotoAdmin(admin.ModelAdmin):
    list_display = ["restaurant", "alt_text", "position", "is_main", "created_at"]
    list_filter = ["is_main"]
    search_fields = ["restaurant__name", "alt_text"]
    list_select_related = ["restaurant"]


@admin.register(RestaurantMember)
class RestaurantMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "restaurant", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "restaurant__name"]
    list_select_related = ["user", "restaurant"]
    autocomplete_fields = ["user", "restaurant"]


@admin.register(SlotInventory)
class SlotInventoryAdmin(admin.ModelAdmin):
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
    readonly_fields = ["reference", "created_at", "updated_at", "cancelled_at", "cancelled_by"]
    autocomplete_fields = ["diner", "restaurant"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["restaurant", "diner", "rating", "created_at"]
    list_filter = ["rating"]
    search_fields = ["restaurant__name", "diner__email", "text"]
    list_select_related = ["restaurant", "diner"]
    raw_id_fields = ["booking"]
