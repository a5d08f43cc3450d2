"""The analytics page (owner only): cards, server-rendered SVG charts, and a CSV of each chart's table.

The view parses the date range, asks the selector for the figures (the same ones the API returns)
and lays them out; chart geometry is plain arithmetic on the few aggregate rows.
"""

import csv
import math
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse

from punchcard.analytics import selectors
from punchcard.analytics.selectors import PackageAnalytics
from punchcard.core import money
from punchcard.core.csv_export import spreadsheet_safe
from punchcard.core.dates import DateRange
from punchcard.packages.templatetags.packages_tags import money as format_money
from punchcard.studios.access import owner_required

# Date range ---------------------------------------------------------------------------------------

PRESETS = {
    "this-month": "This month",
    "last-3-months": "Last 3 months",
    "this-year": "This year",
    "all": "All time",
}
DEFAULT_PRESET = "all"


def preset_range(key: str, today: date) -> DateRange:
    """Calendar-aligned presets ending today, so they line up with the monthly sessions chart."""
    month_start = today.replace(day=1)
    if key == "this-month":
        return DateRange(start=month_start, end=today)
    if key == "last-3-months":
        # This month and the two before it.
        two_back = (month_start - timedelta(days=1)).replace(day=1)
        return DateRange(start=(two_back - timedelta(days=1)).replace(day=1), end=today)
    if key == "this-year":
        return DateRange(start=today.replace(month=1, day=1), end=today)
    return DateRange()


class RangeForm(forms.Form):
    """?range=<preset> or ?from=&to= (studio-local days, both optional, inclusive)."""

    # A preset this page does not know (an old bookmark) falls back to the default, like no preset.
    range = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so this field cannot be declared as a class attribute; the
        # same names as the API keep a page URL and an API URL interchangeable.
        self.fields["from"] = forms.DateField(required=False, label="From")
        self.fields["to"] = forms.DateField(required=False, label="To")

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and end < start:
            self.add_error("to", "The end date must be on or after the start date.")
        return data


def resolve_range(params, today: date) -> tuple[RangeForm, str, DateRange | None]:
    """The form, the chosen preset ("custom" for typed dates) and the range; None when invalid."""
    form = RangeForm(params)
    if not form.is_valid():
        return form, "custom", None
    data = form.cleaned_data
    if data["from"] or data["to"]:
        return form, "custom", DateRange(start=data["from"], end=data["to"])
    preset = data["range"] if data["range"] in PRESETS else DEFAULT_PRESET
    return form, preset, preset_range(preset, today)


def range_query(preset: str, date_range: DateRange) -> dict:
    """Query parameters that reproduce this range (presets stay relative, so bookmarks stay fresh)."""
    if preset != "custom":
        return {"range": preset}
    return {
        key: day.isoformat()
        for key, day in (("from", date_range.start), ("to", date_range.end))
        if day is not None
    }


# Charts -------------------------------------------------------------------------------------------
# No viewBox: x and widths are percentages and y is in pixels, so the bars stretch with the card
# while the text keeps its real size, readable on a phone and on a wide screen alike.

BAR_ROW = 46  # px per bar: a text line (label left, value right) and the bar under it
LABEL_CHARS = 26
COLUMN_PLOT_TOP, COLUMN_PLOT_HEIGHT, COLUMN_LABELS = 24, 150, 38
COLUMNS_WITH_VALUES = 12  # beyond this many months the value labels would overlap
MIN_SLOTS = 6


def _pct(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(rows: list[tuple[str, int, str]], *, chart_id: str, title: str) -> dict:
    """Horizontal bars from (label, value, value as shown) rows, longest bar = largest value."""
    top = max((value for _, value, _ in rows), default=0) or 1
    bars = []
    for index, (label, value, shown) in enumerate(rows):
        width = 100 * value / top
        bars.append(
            {
                "label": _short(label),
                "shown": shown,
                "text_y": index * BAR_ROW + 16,
                "bar_y": index * BAR_ROW + 24,
                # A sliver for tiny non-zero values, so "some" never looks like "none".
                "width": _pct(max(width, 0.6) if value else 0),
            }
        )
    summary = "; ".join(f"{label}: {shown}" for label, _, shown in rows)
    return {
        "id": chart_id,
        "title": title,
        "summary": summary,
        "bars": bars,
        "height": max(len(rows) * BAR_ROW, BAR_ROW),
    }


def column_chart(months: list[selectors.MonthRow], *, chart_id: str, title: str) -> dict:
    """Vertical bars, one per month, month names under them and counts above (when they fit)."""
    count = len(months) or 1
    # At least MIN_SLOTS slots wide, centred: one month alone is a column, not a wall.
    slot = 100 / max(count, MIN_SLOTS)
    left = (100 - slot * count) / 2
    top = max((m.sessions for m in months), default=0) or 1
    label_every = math.ceil(count / 12)
    baseline = COLUMN_PLOT_TOP + COLUMN_PLOT_HEIGHT
    columns = []
    for index, row in enumerate(months):
        height = COLUMN_PLOT_HEIGHT * row.sessions / top
        labelled = index % label_every == 0
        # The year goes under the first column and under each January.
        with_year = labelled and (index == 0 or row.month.month == 1)
        columns.append(
            {
                "x": _pct(left + index * slot + slot * 0.18),
                "center": _pct(left + index * slot + slot / 2),
                "width": _pct(slot * 0.64),
                "y": round(baseline - height, 2),
                "height": round(height, 2),
                "value": row.sessions,
                # Four-digit counts only fit above the bars when there are few of them.
                "show_value": count <= (COLUMNS_WITH_VALUES if top < 1000 else 8),
                "value_y": round(baseline - height - 6, 2),
                "month": f"{row.month:%b}" if labelled else "",
                "year": f"{row.month:%Y}" if with_year else "",
            }
        )
    summary = "; ".join(f"{m.month:%B %Y}: {m.sessions}" for m in months)
    return {
        "id": chart_id,
        "title": title,
        "summary": summary,
        "columns": columns,
        "baseline": baseline,
        "month_y": baseline + 18,
        "year_y": baseline + 34,
        "height": baseline + COLUMN_LABELS,
    }


# Links to the lists -------------------------------------------------------------------------------
# The packages list cannot filter by date, so each figure links to the closest list: the one with
# the same status (or sort), over every date. The page says so next to the cards.


def _list_url(name: str, **params) -> str:
    return reverse(name) + ("?" + urlencode(params) if params else "")


def figure_links() -> dict:
    return {
        "packages": _list_url("packages:list"),
        "revenue": _list_url("packages:list", sort="-total_value"),
        "completed": _list_url("packages:list", status="completed"),
        # Unused value is mostly in active packages; inactive ones count too but are fewer.
        "unused": _list_url("packages:list", status="active", sort="-sessions_remaining"),
        "expired": _list_url("packages:list", status="expired"),
    }


def type_link(name: str) -> str:
    # Packages copy their type's name when sold, so a name search finds a type's packages.
    return _list_url("packages:list", q=name)


def month_link(row: selectors.MonthRow) -> str:
    return _list_url(
        "training:list", date_from=row.month.isoformat(), date_to=row.last_day.isoformat()
    )


# CSV exports --------------------------------------------------------------------------------------


def _revenue_rows(figures: PackageAnalytics) -> list[list]:
    return [
        [
            spreadsheet_safe(t.name),
            t.package_type_id or "",
            t.count,
            money.cents_str(t.revenue_cents),
            figures.currency,
        ]
        for t in figures.revenue_by_type
    ]


def _popular_rows(figures: PackageAnalytics) -> list[list]:
    return [
        [spreadsheet_safe(t.name), t.package_type_id or "", t.count] for t in figures.popular_types
    ]


def _month_rows(figures: PackageAnalytics) -> list[list]:
    return [[m.key, m.sessions] for m in figures.sessions_by_month]


EXPORTS = {
    "revenue_by_type": (
        ["package_type", "package_type_id", "packages", "revenue", "currency"],
        _revenue_rows,
    ),
    "popular_types": (["package_type", "package_type_id", "packages"], _popular_rows),
    "sessions_by_month": (["month", "sessions"], _month_rows),
}


def _export(name: str, figures: PackageAnalytics, date_range: DateRange) -> HttpResponse:
    columns, rows = EXPORTS[name]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    writer.writerow(columns)
    writer.writerows(rows(figures))
    span = "-to-".join(
        day.isoformat() if day else "any" for day in (date_range.start, date_range.end)
    )
    response["Content-Disposition"] = f'attachment; filename="analytics-{name}-{span}.csv"'
    return response


# The page -----------------------------------------------------------------------------------------


def figures_context(figures: PackageAnalytics, *, currency: str, query: dict) -> dict:
    """Cards, charts, tables and export links for one set of figures (a few rows, no queries)."""
    return {
        "figures": figures,
        "links": figure_links(),
        "exports": {name: "?" + urlencode({**query, "export": name}) for name in EXPORTS},
        "revenue_rows": [(t, type_link(t.name)) for t in figures.revenue_by_type],
        "popular_rows": [(t, type_link(t.name)) for t in figures.popular_types],
        "month_rows": [(m, month_link(m)) for m in figures.sessions_by_month],
        "revenue_chart": bar_chart(
            [
                (t.name, t.revenue_cents, format_money(t.revenue_cents, currency))
                for t in figures.revenue_by_type
            ],
            chart_id="chart-revenue",
            title="Revenue per package type",
        ),
        "popular_chart": bar_chart(
            [(t.name, t.count, str(t.count)) for t in figures.popular_types],
            chart_id="chart-popular",
            title="Packages sold per type",
        ),
        "months_chart": column_chart(
            figures.sessions_by_month,
            chart_id="chart-months",
            title="Sessions delivered per month",
        ),
    }


def _bad_request(message: str) -> HttpResponse:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


@owner_required
def dashboard(request: HttpRequest) -> HttpResponse:
    studio = request.studio
    today = studio.today()
    form, preset, date_range = resolve_range(request.GET, today)
    export = request.GET.get("export") or None
    if export is not None and export not in EXPORTS:
        return _bad_request("Unknown export. Use one of: " + ", ".join(EXPORTS))
    if export and date_range is None:
        return _bad_request("Invalid date range: " + form.errors.as_text())

    context = {
        "form": form,
        "preset": preset,
        "date_range": date_range,
        "today": today,
        "presets": [
            {"key": key, "label": label, "href": "?" + urlencode({"range": key})}
            for key, label in PRESETS.items()
        ],
        # The date inputs show the range in force, presets included.
        "from_value": date_range.start.isoformat() if date_range and date_range.start else "",
        "to_value": date_range.end.isoformat() if date_range and date_range.end else "",
    }
    if date_range is not None:
        figures = selectors.package_analytics(studio=studio, date_range=date_range)
        if export:
            return _export(export, figures, date_range)
        context["window"] = selectors.sessions_window(date_range=date_range, today=today)
        context.update(
            figures_context(
                figures, currency=studio.currency, query=range_query(preset, date_range)
            )
        )
    template = "analytics/analytics.html#body" if request.htmx else "analytics/analytics.html"
    return render(request, template, context)
