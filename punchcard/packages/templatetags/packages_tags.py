"""Template helpers for showing packages: money in the studio's currency and a package's state."""

from dataclasses import dataclass
from datetime import date
from html import escape

from django import forms, template
from django.utils.dates import MONTHS_3
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from punchcard.core import money as money_helpers
from punchcard.core.templatetags.links import id_urls
from punchcard.packages.models import Package

register = template.Library()

STATUS_LABELS = dict(Package.Status.choices)


@register.filter
def money(cents, currency="USD"):
    """{{ package.total_value_cents|money:studio.currency }} -> "$1,200.00"; empty for None."""
    if cents is None or cents == "":
        return ""
    return money_helpers.format_money(int(cents), currency or "USD")


@dataclass(frozen=True)
class PackageState:
    status: str
    label: str
    near_completion: bool
    expiring_soon: bool
    over: int  # sessions used beyond the total, 0 when not exceeded
    left: int  # sessions left, never below 0

    @property
    def is_expired(self) -> bool:
        return self.status == Package.Status.EXPIRED


def package_state_on(package: Package, *, today: date, threshold: int) -> PackageState:
    status = package.status_on(today)
    return PackageState(
        status=status,
        label=STATUS_LABELS[status],
        near_completion=package.near_completion_on(today, threshold),
        expiring_soon=package.expiring_soon_on(today),
        over=max(0, -package.remaining),
        left=max(0, package.remaining),
    )


@register.simple_tag(takes_context=True)
def package_state(context, package: Package) -> PackageState:
    """{% package_state package as state %}: status, warnings and counts as of the studio's today.

    Templates cannot call status_on(today); this keeps the rule in the model and out of templates.
    """
    studio = context["studio"]
    today = context.get("today") or studio.today()
    return package_state_on(package, today=today, threshold=studio.low_balance_threshold)


def progress_html(package: Package, state: PackageState, *, big: bool = False, flags: bool = True):
    """The sessions bar of {% progress %}, as a string (see there)."""
    used, total = package.sessions_used, package.total_sessions
    classes = "progress" + (" progress-big" if big else "")
    if state.over:
        classes += " is-over"
    elif state.near_completion:
        classes += " is-low"
    if state.is_expired:
        classes += " is-expired"
    balance = f"{state.over} over" if state.over else f"{state.left} left"
    flag = ""
    if flags and state.is_expired:
        flag = ' <span class="progress-flag">· expired</span>'
    elif flags and state.near_completion:
        flag = ' <span class="progress-flag">· running low</span>'
    # Only the name is text from users; every other value is a number or one of our words.
    label = f": {escape(package.name)}" if package.name else ""
    return SafeString(
        f'<div class="{classes}"><div class="progress-bar" role="progressbar"'
        f' aria-label="Sessions used{label}" aria-valuemin="0" aria-valuemax="{total}"'
        f' aria-valuenow="{total if state.over else used}"'
        f' aria-valuetext="{used} of {total} used, {balance}">'
        f'<span style="width: {package.progress_percent}%"></span></div>'
        f'<span class="progress-text">{used} of {total} used · {balance}{flag}</span></div>'
    )


@register.simple_tag
def progress(package: Package, state: PackageState, big: bool = False, flags: bool = True) -> str:
    """{% progress package state big=True flags=False %}: sessions used as a bar AND as words, so
    near completion, overage and expiry never rely on colour alone.

    flags=False when the same warnings already sit beside it as badges. Built in Python rather
    than included as a template: lists show one per row, and the include cost a third of the
    package list's rendering.
    """
    return progress_html(package, state, big=big, flags=flags)


def _day_formatter():
    """`{{ value|date:"j M Y" }}` ("24 Nov 2026") for many dates, the month names looked up once
    rather than through the date filter's format machinery on every row."""
    months = {}

    def day(value: date) -> str:
        if (month := months.get(value.month)) is None:
            month = months[value.month] = MONTHS_3[value.month].title()
        return f"{value.day} {month} {value.year:04d}"

    return day


@register.simple_tag(takes_context=True)
def package_rows(context, packages) -> str:
    """{% package_rows page %}: the package list's table rows, built in Python.

    Twenty-five rows of seven cells were most of the list's rendering as template code (each
    variable, filter and `{% if %}` is looked up again on every row); this is the same markup.
    """
    studio = context["studio"]
    today = context.get("today") or studio.today()
    threshold, currency = studio.low_balance_threshold, studio.currency or "USD"
    client_url, package_url = id_urls("clients:detail"), id_urls("packages:detail")
    day = _day_formatter()
    rows = []
    for package in packages:
        state = package_state_on(package, today=today, threshold=threshold)
        primary = ' <span class="badge badge-neutral">Primary</span>' if package.is_primary else ""
        badges = f'<span class="badge badge-{state.status}">{state.label}</span>'
        if state.near_completion:
            badges += ' <span class="badge badge-warn">Near completion</span>'
        if state.expiring_soon:
            badges += ' <span class="badge badge-warn">Expiring soon</span>'
        if expiry := package.expiry_date:
            expiry = f'<time datetime="{expiry.isoformat()}">{day(expiry)}</time>'
        else:
            expiry = '<span class="muted">No expiry</span>'
        total = money_helpers.format_money(package.total_value_cents, currency)
        per_session = money_helpers.format_money(package.per_session_cents, currency)
        deleted = ' class="is-deleted"' if package.deleted_at else ""
        rows.append(
            f"<tr{deleted}>"
            f'<td><a href="{client_url(package.client_id)}">'
            f"{escape(package.client_name)}</a></td>"
            f'<td><a href="{package_url(package.pk)}">{escape(package.name)}</a>'
            f"{primary}</td>"
            f"<td>{progress_html(package, state, flags=False)}</td>"
            f"<td>{badges}</td>"
            f'<td class="num">{escape(total)}</td>'
            f'<td class="num">{escape(per_session)}</td>'
            f"<td>{expiry}</td></tr>\n"
        )
    return SafeString("".join(rows))


SORT_HINTS = {
    "ascending": (" ▲", " (sorted ascending, select to sort descending)"),
    "descending": (" ▼", " (sorted descending, select to sort ascending)"),
    None: ("", " (select to sort)"),
}


@register.simple_tag
def sort_link(column: dict) -> str:
    """{% sort_link columns.client %}: a sortable column header's link; column is one of
    views._sort_columns ({label, aria_sort, url}). The arrow is for the eye, the words for
    screen readers."""
    url, (arrow, hint) = escape(column["url"]), SORT_HINTS[column["aria_sort"]]
    return SafeString(
        f'<a class="sort-link" href="{url}" hx-get="{url}" hx-target="#package-results"'
        f' hx-push-url="true">{escape(column["label"])}<span aria-hidden="true"'
        f' class="sort-arrow">{arrow}</span><span class="visually-hidden">{hint}</span></a>'
    )


# The filter form's fields -------------------------------------------------------------------


def _attrs(attrs: dict) -> str:
    """Django's widgets/attrs.html: True is a bare name, False is left out."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


@register.simple_tag
def filter_field(field: forms.BoundField) -> str:
    """{% filter_field form.status %}: what {{ form.status }} renders, built in Python for a plain
    <select> or checkbox (any other widget renders as usual).

    Django draws a widget through templates, with an include for every option and every
    attribute list: the list's three filter fields were a third of its rendering.
    """
    widget = field.field.widget
    if type(widget) not in (forms.Select, forms.CheckboxInput):
        return field.as_widget()
    # The attributes as BoundField.as_widget and Widget.get_context give them, in their order.
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    value, name = field.value(), escape(field.html_name)
    if type(widget) is forms.CheckboxInput:
        if widget.check_test(value):
            attrs["checked"] = True
        shown = widget.format_value(value)
        shown = "" if shown is None else f' value="{escape(str(shown))}"'
        return SafeString(
            f'<input type="checkbox" name="{name}"{shown}{_attrs({**widget.attrs, **attrs})}>'
        )
    groups = widget.optgroups(field.html_name, widget.format_value(value))
    if any(group for group, _, _ in groups):
        return field.as_widget()
    options = "".join(
        f'\n  <option value="{escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
        f"{conditional_escape(option['label'])}</option>"
        for _, choices, _ in groups
        for option in choices
    )
    return SafeString(
        f'<select name="{name}"{_attrs({**widget.attrs, **attrs})}>{options}\n</select>'
    )
