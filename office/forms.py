from zoneinfo import available_timezones

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, BookingStatus, Restaurant, Weekday
from bookings.services import TRANSITIONS

MAX_FILES_PER_UPLOAD = 20
MSG_TOO_MANY_FILES = _("Please upload at most %(max)s photos at a time.")
MSG_NO_FILES = _("Choose at least one photo to upload.")
MSG_REASON_NEEDED = _("Please tell the guest why the booking is cancelled.")
MSG_WALK_IN_TOKEN_RENEWED = _("This booking form was out of date. Please check the details and submit it again.")
MSG_TIMEZONE_HAS_BOOKINGS = _(
    "The time zone cannot change while the restaurant has upcoming bookings: their times and seats "
    "would move. Change it once those visits are over or cancelled."
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class RestaurantForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=())

    class Meta:
        model = Restaurant
        fields = [
            "name",
            "category",
            "address",
            "phone",
            "description",
            "menu",
            "price_range",
            "is_visible",
            "timezone",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "menu": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(tz, tz) for tz in sorted(available_timezones())]

    def clean_timezone(self):
        new = self.cleaned_data["timezone"]
        # Seat inventory is keyed by UTC instants of local service times: under another zone the
        # booked seats would sit at the wrong hour.
        if self.instance.pk and new != self.instance.timezone:
            upcoming = Booking.objects.active().filter(restaurant=self.instance, starts_at__gte=timezone.now())
            if upcoming.exists():
                raise forms.ValidationError(MSG_TIMEZONE_HAS_BOOKINGS, code="timezone_has_bookings")
        return new


class RulesForm(forms.ModelForm):
    class Meta:
        model = Restaurant
        fields = ["max_party_size", "booking_days_ahead", "min_lead_minutes", "cancel_cutoff_hours", "visit_minutes"]


class MemberAddForm(forms.Form):
    email = forms.EmailField(label=_("Email of an existing account"))


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files from one input; each is checked later, one by one, by bookings.images."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        files = [super(MultipleImageField, self).clean(f, initial) for f in files if f]
        if not files:
            raise forms.ValidationError(MSG_NO_FILES, code="required")
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise forms.ValidationError(MSG_TOO_MANY_FILES, code="too_many", params={"max": MAX_FILES_PER_UPLOAD})
        return files


class PhotoUploadForm(forms.Form):
    images = MultipleImageField(
        label=_("Photos"), help_text=_("JPEG, PNG or WebP, up to 10 MB each. You can choose several.")
    )
    alt_text = forms.CharField(
        label=_("Description for screen readers"),
        max_length=200,
        required=False,
        help_text=_("What the photos show, e.g. “Window tables at sunset”. You can change it per photo later."),
    )


class PhotoAltForm(forms.Form):
    alt_text = forms.CharField(label=_("Description"), max_length=200, required=False)


class PhotoMoveForm(forms.Form):
    offset = forms.TypedChoiceField(choices=[("-1", _("Earlier")), ("1", _("Later"))], coerce=int)


class WeeklyServiceForm(forms.Form):
    # The blank choice keeps the empty extra rows blank, so an untouched row is skipped, not an error.
    weekday = forms.TypedChoiceField(label=_("Day"), choices=[("", "—"), *Weekday.choices], coerce=int)
    start_time = forms.TimeField(label=_("Starts at"), widget=TIME_INPUT)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=1000)


WeeklyServiceFormSet = formset_factory(WeeklyServiceForm, extra=3, can_delete=True, max_num=200, validate_max=True)


class ExceptionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    is_closed = forms.BooleanField(label=_("Closed all day"), required=False)
    note = forms.CharField(label=_("Note (for staff)"), max_length=200, required=False)


class ServiceForm(forms.Form):
    start_time = forms.TimeField(label=_("Starts at"), widget=TIME_INPUT)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=1000)


ServiceFormSet = formset_factory(ServiceForm, extra=4, max_num=24, validate_max=True)


class PreviewForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    party_size = forms.IntegerField(label=_("Party size"), min_value=1, max_value=50, initial=2)


class BookingFilterForm(forms.Form):
    restaurant = forms.ModelChoiceField(label=_("Restaurant"), queryset=Restaurant.objects.none(), required=False)
    date = forms.DateField(label=_("Date"), required=False, widget=DATE_INPUT)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, restaurants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["restaurant"].queryset = restaurants
        self.fields["restaurant"].empty_label = _("All my restaurants")
        self.fields["status"].choices = [("", _("Any status")), *BookingStatus.choices]


class ExportForm(forms.Form):
    restaurant = forms.IntegerField(widget=forms.HiddenInput)
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(
        label=_("Reason (sent to the guest)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, booking, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(BookingStatus(booking.status), set())
        self.fields["status"].choices = [(s.value, s.label) for s in BookingStatus if s in allowed]

    @property
    def quick_actions(self):
        """Status changes that need no reason: one button each."""
        return [(value, label) for value, label in self.fields["status"].choices if value != BookingStatus.CANCELLED]

    @property
    def can_cancel(self):
        return any(value == BookingStatus.CANCELLED for value, _label in self.fields["status"].choices)

    def clean(self):
        data = super().clean()
        if data.get("status") == BookingStatus.CANCELLED and not data.get("reason", "").strip():
            self.add_error("reason", forms.ValidationError(MSG_REASON_NEEDED, code="reason_needed"))
        return data


class WalkInForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    time = forms.TimeField(label=_("Time"), widget=TIME_INPUT)
    party_size = forms.IntegerField(label=_("Party size"), min_value=1, max_value=50)
    name = forms.CharField(label=_("Guest name"), max_length=80)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    request = forms.CharField(label=_("Request"), max_length=1000, required=False, widget=forms.Textarea)
    # One-time token: a double click or a resubmitted page finds the first booking instead of another.
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)
