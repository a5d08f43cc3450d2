"""The dashboard's lists, built in Python from the plain rows of training.selectors.dashboard.

{% session_rows sessions show_client=True show_package=True %}: the markup of
training/_session_rows.html's rows. As a template it cost ~45 µs a row, 2 ms for the dashboard's
46 rows, a sixth of the page; as f-strings ~6 µs. test_dashboard_reads holds the two to the same
HTML.

{% running_low_items packages %}, {% expiring_items packages %} and {% unused_items items %}: the
<li>s of the three package lists, each with its sessions bar ({% progress %}) and the first with
its Log button. As template loops they cost ~60 µs a row (the tags, their arguments and the
variables resolved one by one), 1.5 ms for the dashboard's 24.

Text from the database is escaped as the template would; URLs and numbers need not be. What is
looked up the same way on every row (the time zone, the language, the csrf input, the way back,
the URLs' text around the id) is looked up once a list.
"""

from html import escape

from django import template
from django.template.defaultfilters import urlencode
from django.template.defaulttags import CsrfTokenNode
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from punchcard.core.templatetags.links import id_urls
from punchcard.core.templatetags.short_dates import day_label_in, day_month_in
from punchcard.packages.templatetags.packages_tags import package_state_on, progress
from punchcard.training.templatetags.training_tags import log_button_html

register = template.Library()

BADGES = {"completed": "badge-active", "cancelled": "badge-neutral"}  # else badge-warn
NOT_COUNTED = ' <span class="muted">(not counted)</span>'
NOT_COVERED = '<td><span class="badge badge-warn">Not covered</span></td>'
# The template loops' whitespace around each <li>, kept so the page's markup is unchanged.
ITEM = "\n    <li>{}</li>\n    "


@register.simple_tag(takes_context=True)
def session_rows(context, sessions, show_client: bool = True, show_package: bool = True):
    """One <tr> per session dict, its times in the current time zone (the studio's)."""
    back = escape(urlencode(context["request"].get_full_path()))
    zone, language = timezone.get_current_timezone(), get_language()
    client_url, package_url = id_urls("clients:detail"), id_urls("packages:detail")
    edit_url = id_urls("training:edit")
    days, statuses = {}, {}  # a day's labels and a status's cell: the same on many rows
    rows = []
    for s in sessions:
        client = escape(s["client_name"])
        starts_at = s["starts_at"].astimezone(zone)
        day = starts_at.date()
        if day not in days:
            days[day] = (
                escape(day_month_in(day, language)),
                escape(day_label_in(day, language)),
            )
        day_month, weekday = days[day]
        row = [f'<tr><td class="nowrap">{weekday}, {starts_at:%H:%M}</td>']
        if show_client:
            row.append(f'<td><a href="{client_url(s["client_id"])}">{client}</a></td>')
        if show_package and s["package_id"] is None:
            row.append(NOT_COVERED)
        elif show_package:
            row.append(
                f'<td><a href="{package_url(s["package_id"])}">{escape(s["package_name"])}</a></td>'
            )
        status = s["status"]
        if status not in statuses:
            badge = BADGES.get(status, "badge-warn")
            note = NOT_COUNTED if status == "cancelled" else ""
            label = escape(s["status_label"])
            statuses[status] = f'<td><span class="badge {badge}">{label}</span>{note}</td>'
        row.append(
            f"{statuses[status]}"
            f'<td class="hide-sm">{s["duration_minutes"]} min</td>'
            f'<td><a href="{edit_url(s["id"])}?next={back}">Edit'
            f'<span class="visually-hidden"> session of {client} on {day_month}</span></a></td></tr>'
        )
        rows.append("".join(row))
    return mark_safe("\n".join(rows))


class _PackageItems:
    """What every row of a package list needs, looked up once: today and the threshold (for the
    bar's warnings), the package URL and the language."""

    def __init__(self, context):
        studio = context["studio"]
        self.today = context.get("today") or studio.today()
        self.threshold = studio.low_balance_threshold
        self.package_url = id_urls("packages:detail")
        self.language = get_language()

    def head(self, p) -> str:
        return f'<a href="{self.package_url(p.pk)}">{escape(p.client.name)}</a> · {escape(p.name)}'

    def expires(self, p) -> str:
        return f" · expires <strong>{escape(day_month_in(p.expiry_date, self.language))}</strong>"

    def bar(self, p) -> str:
        state = package_state_on(p, today=self.today, threshold=self.threshold)
        return progress(p, state)


@register.simple_tag(takes_context=True)
def running_low_items(context, packages) -> SafeString:
    """The "Running low" list: each package, its bar, and its Log button."""
    items = _PackageItems(context)
    csrf = CsrfTokenNode().render(context)
    next_path = context["request"].get_full_path()
    return SafeString(
        "".join(
            ITEM.format(
                f"<div>{items.head(p)}</div>\n      {items.bar(p)}\n      "
                + log_button_html(p.client, p, "secondary", csrf=csrf, next_path=next_path)
            )
            for p in packages
        )
    )


@register.simple_tag(takes_context=True)
def expiring_items(context, packages) -> SafeString:
    """The "Expiring in the next 14 days" list: each package, its expiry and its bar."""
    items = _PackageItems(context)
    return SafeString(
        "".join(
            ITEM.format(f"<div>{items.head(p)}{items.expires(p)}</div>\n      {items.bar(p)}")
            for p in packages
        )
    )


@register.simple_tag(takes_context=True)
def unused_items(context, flagged) -> SafeString:
    """The "Will expire with sessions left" list: each package and what its forecast says."""
    items = _PackageItems(context)
    rows = []
    for item in flagged:
        p, f = item["package"], item["forecast"]
        plural = "" if p.remaining == 1 else "s"
        pace = (
            f"at {escape(f.rate_words)} a week"
            if f.has_pace
            else "— no sessions in the last 8 weeks"
        )
        rows.append(
            ITEM.format(
                f"<div>{items.head(p)}{items.expires(p)}</div>\n"
                '      <p class="forecast is-warn"><span class="forecast-warning">'
                f"{f.sessions_expiring_unused} of {p.remaining} session{plural} will expire"
                f" unused</span>\n        {pace}</p>"
            )
        )
    return SafeString("".join(rows))
