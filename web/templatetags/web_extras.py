from datetime import date, timedelta

from django import template

register = template.Library()


@register.filter
def add_days(value: date, days) -> date:
    return value + timedelta(days=int(days))
