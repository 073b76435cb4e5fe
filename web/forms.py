import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Category

# The largest party the site accepts anywhere (restaurants may accept fewer).
MAX_PARTY_SIZE = 50

# No restaurant books further ahead than this; it also keeps date arithmetic far from its limits.
MAX_DAYS_FROM_TODAY = 366

MSG_UNKNOWN_CATEGORY = _("There is no such category. Please pick one from the list.")
MSG_DATE_OUT_OF_RANGE = _("Please choose a date within a year from today.")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def parse_day(value: str | None) -> datetime.date | None:
    """A YYYY-MM-DD date within a year of today, else None."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value or ""):
        return None  # date.fromisoformat alone would also take week dates such as 2026-W50-1
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return None
    return day if abs((day - timezone.localdate()).days) <= MAX_DAYS_FROM_TODAY else None


class DayField(forms.DateField):
    """A YYYY-MM-DD date no more than a year from today."""

    input_formats = ["%Y-%m-%d"]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", DateInput())
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and abs((value - timezone.localdate()).days) > MAX_DAYS_FROM_TODAY:
            raise forms.ValidationError(MSG_DATE_OUT_OF_RANGE, code="date_out_of_range")


class SlotSelect(forms.Select):
    """The day's service times; those that cannot be booked are listed but cannot be picked."""

    def __init__(self, *, unavailable=(), **kwargs):
        super().__init__(**kwargs)
        self.unavailable = set(unavailable)

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.unavailable:
            option["attrs"]["disabled"] = True
        return option


def party_size_field(*, required=True, max_value=MAX_PARTY_SIZE):
    return forms.IntegerField(
        label=_("Party size"),
        min_value=1,
        max_value=max_value,
        required=required,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name or address"), max_length=100, required=False)
    category = forms.CharField(label=_("Category"), required=False, widget=forms.Select)
    date = DayField(label=_("Date"), required=False)
    party_size = party_size_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read the categories once: the same list fills the select and validates the choice.
        self.category_list = list(Category.objects.all())
        self.fields["category"].widget.choices = [("", _("Any category"))] + [
            (c.slug, c.name) for c in self.category_list
        ]

    def clean_category(self):
        value = self.cleaned_data["category"].strip()
        if not value:
            return None
        for category in self.category_list:
            # The slug is what the form sends; an id is accepted too, for links built elsewhere.
            if value in (category.slug, str(category.pk)):
                return category
        raise forms.ValidationError(MSG_UNKNOWN_CATEGORY, code="unknown_category")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and not cleaned.get("party_size"):
            cleaned["party_size"] = 2
        return cleaned


class SlotPickerForm(forms.Form):
    """Date and party size on the restaurant page (a GET form; JavaScript refines it in place)."""

    date = DayField(label=_("Date"))
    party_size = party_size_field()

    def __init__(self, *args, restaurant, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        last = today + datetime.timedelta(days=restaurant.booking_days_ahead)
        self.fields["date"].widget.attrs.update({"min": today.isoformat(), "max": last.isoformat()})
        self.fields["party_size"].widget = forms.Select(
            choices=[(n, str(n)) for n in range(1, restaurant.max_party_size + 1)]
        )


class BookingForm(forms.Form):
    date = DayField(label=_("Date"))
    time = forms.TimeField(label=_("Time"), input_formats=["%H:%M"], widget=TimeInput())
    party_size = party_size_field()
    name = forms.CharField(label=_("Name"), max_length=80, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(label=_("Phone"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    request = forms.CharField(
        label=_("Request (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Allergies, a high chair, a quiet table…"),
    )
    # One-time token: submitting the same form twice finds the first booking instead of making another.
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(label=_("Your review"), max_length=4000, required=False, widget=forms.Textarea)
