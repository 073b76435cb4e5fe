import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Avg, Count, Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_TIMEZONE = "Asia/Seoul"


def validate_timezone(value):
    if value not in available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), code="bad_timezone", params={"value": value})


class Category(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


class RestaurantQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_visible=True, deleted_at__isnull=True)

    def in_category(self, category):
        return self.filter(category=category)

    def matching(self, text):
        """Name or address contains the text (case-insensitive)."""
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(address__icontains=text))

    def with_rating(self):
        return self.annotate(rating_avg=Avg("reviews__rating"), rating_count=Count("reviews", distinct=True))

    def for_member(self, user):
        """Restaurants the user may run in the office (superusers run all that are not deleted)."""
        live = self.filter(deleted_at__isnull=True)
        if user.is_superuser:
            return live
        return live.filter(members__user=user).distinct()

    def with_main_photo(self):
        """Annotate the main (else first) photo's stored names, so a list of cards needs no photo query."""
        first = RestaurantPhoto.objects.filter(restaurant=OuterRef("pk")).order_by("-is_main", "position", "id")
        return self.annotate(**{f"main_photo_{name}": Subquery(first.values(name)[:1]) for name in MAIN_PHOTO_COLUMNS})


# What a restaurant card shows of its main photo; see RestaurantQuerySet.with_main_photo.
MAIN_PHOTO_COLUMNS = ("id", "image", "width", "height", "card", "thumb", "large", "alt_text", "is_main", "position")


class PriceRange(models.IntegerChoices):
    BUDGET = 1, "₩"
    MODERATE = 2, "₩₩"
    UPSCALE = 3, "₩₩₩"
    FINE = 4, "₩₩₩₩"


class Restaurant(models.Model):
    name = models.CharField(_("name"), max_length=120)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="restaurants", verbose_name=_("category")
    )
    address = models.CharField(_("address"), max_length=255)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    description = models.TextField(_("description"), blank=True)
    menu = models.TextField(_("menu"), blank=True)
    price_range = models.PositiveSmallIntegerField(_("price range"), choices=PriceRange, default=PriceRange.MODERATE)
    is_visible = models.BooleanField(_("visible to diners"), default=True)
    is_featured = models.BooleanField(_("featured"), default=False)
    timezone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIMEZONE, validators=[validate_timezone])
    # Booking rules
    max_party_size = models.PositiveSmallIntegerField(
        _("largest party"), default=8, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    booking_days_ahead = models.PositiveSmallIntegerField(
        _("days ahead one may book"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    min_lead_minutes = models.PositiveIntegerField(
        _("minimum lead time (minutes)"), default=60, validators=[MaxValueValidator(60 * 24 * 14)]
    )
    cancel_cutoff_hours = models.PositiveIntegerField(
        _("diner cancellation cutoff (hours before)"), default=3, validators=[MaxValueValidator(24 * 14)]
    )
    visit_minutes = models.PositiveSmallIntegerField(
        _("length of a visit (minutes)"),
        default=90,
        validators=[MinValueValidator(15), MaxValueValidator(600)],
        help_text=_("Two bookings by the same diner closer than this overlap."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Deleting keeps the row, so diners' past visits and reviews keep their restaurant.
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)

    objects = RestaurantQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("restaurant")
        verbose_name_plural = _("restaurants")
        constraints = [
            models.CheckConstraint(condition=Q(max_party_size__gte=1), name="restaurant_max_party_positive"),
            models.CheckConstraint(condition=Q(booking_days_ahead__gte=1), name="restaurant_days_ahead_positive"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("web:restaurant-detail", args=[self.pk])

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_now(self, now: datetime | None = None) -> datetime:
        return (now or timezone.now()).astimezone(self.tz)

    def local_today(self, now: datetime | None = None):
        return self.local_now(now).date()

    def last_bookable_date(self, now: datetime | None = None):
        return self.local_today(now) + timedelta(days=self.booking_days_ahead)

    @property
    def main_photo(self):
        """The main photo, or the first one: from with_main_photo()'s columns, else from (prefetched) photos."""
        if hasattr(self, "main_photo_id"):
            if self.main_photo_id is None:
                return None
            columns = {name: getattr(self, f"main_photo_{name}") for name in MAIN_PHOTO_COLUMNS}
            return RestaurantPhoto(restaurant=self, **columns)
        photos = list(self.photos.all())
        for photo in photos:
            if photo.is_main:
                return photo
        return min(photos, key=lambda p: (p.position, p.id)) if photos else None


def photo_upload_to(instance, filename):
    # Keys carry the restaurant id; the storage keeps both files when two uploads share a name.
    return f"restaurants/{instance.restaurant_id}/{filename}"


class RestaurantPhoto(models.Model):
    restaurant = models.ForeignKey(
        Restaurant, on_delete=models.CASCADE, related_name="photos", verbose_name=_("restaurant")
    )
    # No width_field/height_field: Django would open the stored original (an S3 GET) to fill
    # them whenever they are empty; photo_add records the size it measured instead.
    image = models.ImageField(_("image"), upload_to=photo_upload_to)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True, editable=False)
    # Derived sizes, made once at upload and stored beside the original.
    thumb = models.ImageField(_("thumbnail"), upload_to=photo_upload_to, blank=True, editable=False)
    card = models.ImageField(_("card image"), upload_to=photo_upload_to, blank=True, editable=False)
    large = models.ImageField(_("large image"), upload_to=photo_upload_to, blank=True, editable=False)
    alt_text = models.CharField(_("alt text"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_main = models.BooleanField(_("main photo"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["restaurant", "-is_main", "position", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        constraints = [
            models.UniqueConstraint(
                fields=["restaurant"], condition=Q(is_main=True), name="one_main_photo_per_restaurant"
            ),
        ]

    def __str__(self):
        return self.alt_text or f"{self.restaurant} #{self.pk}"

    def _url(self, field_name):
        field = getattr(self, field_name)
        return field.url if field else self.image.url

    @property
    def thumb_url(self):
        return self._url("thumb")

    @property
    def card_url(self):
        return self._url("card")

    @property
    def large_url(self):
        return self._url("large")

    @property
    def alt(self):
        return self.alt_text or _("Photo of %(name)s") % {"name": self.restaurant.name}


class MemberRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    STAFF = "staff", _("Staff")


class RestaurantMember(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    restaurant = models.ForeignKey(
        Restaurant, on_delete=models.CASCADE, related_name="members", verbose_name=_("restaurant")
    )
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.STAFF)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["restaurant", "role", "user"]
        verbose_name = _("restaurant member")
        verbose_name_plural = _("restaurant members")
        constraints = [
            models.UniqueConstraint(fields=["user", "restaurant"], name="one_membership_per_user_and_restaurant"),
            models.CheckConstraint(condition=Q(role__in=MemberRole.values), name="member_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} — {self.restaurant} ({self.get_role_display()})"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class SeatingTemplate(models.Model):
    """One service on one weekday: it starts at start_time and offers this many seats."""

    restaurant = models.ForeignKey(
        Restaurant, on_delete=models.CASCADE, related_name="seating_templates", verbose_name=_("restaurant")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("starts at"))
    seats = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1), MaxValueValidator(1000)])

    class Meta:
        ordering = ["restaurant", "weekday", "start_time"]
        verbose_name = _("weekly service")
        verbose_name_plural = _("weekly services")
        constraints = [
            models.UniqueConstraint(
                fields=["restaurant", "weekday", "start_time"], name="one_template_row_per_service"
            ),
            models.CheckConstraint(condition=Q(seats__gt=0), name="template_seats_positive"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="template_weekday_valid"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M} ({self.seats})"


class SeatingException(models.Model):
    """A date that differs from the weekly template: closed all day, or its own services."""

    restaurant = models.ForeignKey(
        Restaurant, on_delete=models.CASCADE, related_name="seating_exceptions", verbose_name=_("restaurant")
    )
    date = models.DateField(_("date"))
    is_closed = models.BooleanField(_("closed all day"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["restaurant", "date"]
        verbose_name = _("date exception")
        verbose_name_plural = _("date exceptions")
        constraints = [models.UniqueConstraint(fields=["restaurant", "date"], name="one_exception_per_date")]

    def __str__(self):
        # Outside the f-string: makemessages (xgettext) does not see gettext calls inside one.
        label = _("closed") if self.is_closed else _("special hours")
        return f"{self.date} ({label})"


class SeatingExceptionService(models.Model):
    exception = models.ForeignKey(
        SeatingException, on_delete=models.CASCADE, related_name="services", verbose_name=_("date exception")
    )
    start_time = models.TimeField(_("starts at"))
    seats = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1), MaxValueValidator(1000)])

    class Meta:
        ordering = ["exception", "start_time"]
        verbose_name = _("special service")
        verbose_name_plural = _("special services")
        constraints = [
            models.UniqueConstraint(fields=["exception", "start_time"], name="one_special_service_per_time"),
            models.CheckConstraint(condition=Q(seats__gt=0), name="special_service_seats_positive"),
        ]

    def __str__(self):
        return f"{self.start_time:%H:%M} ({self.seats})"


class SlotInventory(models.Model):
    """Seats left for one service of one restaurant.

    A row appears the first time someone books that service; until then the
    schedule's seat count is the whole truth. The database keeps
    0 <= seats_remaining <= seats_total whatever the application does.
    """

    restaurant = models.ForeignKey(
        Restaurant, on_delete=models.CASCADE, related_name="inventory", verbose_name=_("restaurant")
    )
    starts_at = models.DateTimeField(_("starts at"))
    seats_total = models.PositiveIntegerField(_("seats offered"))
    seats_remaining = models.IntegerField(_("seats left"))

    class Meta:
        ordering = ["restaurant", "starts_at"]
        verbose_name = _("service inventory")
        verbose_name_plural = _("service inventory")
        constraints = [
            models.UniqueConstraint(fields=["restaurant", "starts_at"], name="one_inventory_row_per_service"),
            models.CheckConstraint(condition=Q(seats_remaining__gte=0), name="inventory_remaining_not_negative"),
            models.CheckConstraint(
                condition=Q(seats_remaining__lte=models.F("seats_total")), name="inventory_remaining_within_total"
            ),
        ]

    def __str__(self):
        return f"{self.restaurant} {self.starts_at:%Y-%m-%d %H:%M}: {self.seats_remaining}/{self.seats_total}"

    @property
    def seats_booked(self):
        return self.seats_total - self.seats_remaining


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    SEATED = "seated", _("Seated")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")


# Bookings that hold seats.
ACTIVE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.SEATED)

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))


class BookingQuerySet(models.QuerySet):
    def for_diner(self, user):
        return self.filter(diner=user)

    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def with_review_flag(self):
        return self.annotate(has_review=Exists(Review.objects.filter(booking=OuterRef("pk"))))


class Booking(models.Model):
    reference = models.CharField(_("reference"), max_length=12, unique=True, default=new_reference, editable=False)
    diner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bookings",
        null=True,
        blank=True,
        verbose_name=_("diner"),
        help_text=_("Empty for phone and walk-in bookings entered by staff."),
    )
    restaurant = models.ForeignKey(
        Restaurant, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("restaurant")
    )
    starts_at = models.DateTimeField(_("time"))
    party_size = models.PositiveSmallIntegerField(_("party size"))
    name = models.CharField(_("name"), max_length=80)
    phone = models.CharField(_("phone"), max_length=30)
    request = models.TextField(_("request"), blank=True, max_length=1000)
    status = models.CharField(
        _("status"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("entered by"),
    )
    # One-time token from the booking form: a second submit of the same form finds this row.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [models.Index(fields=["restaurant", "starts_at"]), models.Index(fields=["diner", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(party_size__gt=0), name="booking_party_size_positive"),
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="booking_status_valid"),
            # The same diner cannot hold two live bookings for one service.
            models.UniqueConstraint(
                fields=["diner", "restaurant", "starts_at"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="one_live_booking_per_diner_and_service",
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.restaurant} {self.local_starts_at:%Y-%m-%d %H:%M} ×{self.party_size}"

    def get_absolute_url(self):
        return reverse("web:booking-detail", args=[self.pk])

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(self.restaurant.tz)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def cancel_deadline(self) -> datetime:
        return self.starts_at - timedelta(hours=self.restaurant.cancel_cutoff_hours)

    def is_cancellable_by_diner(self, now: datetime | None = None) -> bool:
        return self.status == BookingStatus.CONFIRMED and (now or timezone.now()) < self.cancel_deadline()

    @property
    def is_cancellable(self) -> bool:
        return self.is_cancellable_by_diner()

    @property
    def is_reviewable(self) -> bool:
        return self.status == BookingStatus.COMPLETED


class ReviewQuerySet(models.QuerySet):
    def for_restaurant(self, restaurant):
        return self.filter(restaurant=restaurant)

    def recent(self):
        return self.select_related("diner").order_by("-created_at", "-id")


class Review(models.Model):
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="review", verbose_name=_("booking"))
    # Denormalised from the booking so rating summaries are one indexed join away.
    restaurant = models.ForeignKey(
        Restaurant, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("restaurant")
    )
    diner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("diner")
    )
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField(_("review"), max_length=4000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
        ]

    def __str__(self):
        return f"{self.restaurant} — {self.rating}/5"
