from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

DATE_FILTERS = Template('{{ value|date:"D j M, H:i" }}|{{ value|date:"j M" }}')
OURS = Template("{% load short_dates %}{{ value|day_time }}|{{ value|day_month }}")


def both(value) -> tuple[str, str]:
    context = {"value": value}
    return OURS.render(Context(context)), DATE_FILTERS.render(Context(context))


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "Pacific/Kiritimati", "America/Santiago"])
def test_day_time_and_day_month_say_what_the_date_filter_says(zone):
    start = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
    with timezone.override(ZoneInfo(zone)):
        for hours in range(0, 24 * 400, 7):  # every day of a year and more, at shifting hours
            ours, django = both(start + timedelta(hours=hours))
            assert ours == django


def test_a_day_label_is_not_reused_across_languages():
    value = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert both(value)[0] == "Mon 2 Mar, 09:00|2 Mar"
    with translation.override("de"):
        ours, django = both(value)
        assert ours == django and "Mär" in ours
    assert both(value)[0] == "Mon 2 Mar, 09:00|2 Mar"


def test_a_date_has_a_day_month_and_nothing_has_neither():
    context = Context({"value": date(2026, 5, 17)})
    assert Template("{% load short_dates %}{{ value|day_month }}").render(context) == "17 May"
    assert both(None)[0] == "|"
