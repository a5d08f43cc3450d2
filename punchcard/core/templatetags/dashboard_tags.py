"""{% session_rows sessions show_client=True show_package=True %}: the dashboard's table rows.

The markup of training/_session_rows.html's rows, built in Python from the session dicts of
training.selectors.dashboard: as a template it cost ~45 µs a row, 2 ms for the dashboard's 46
rows, a sixth of the page; as f-strings ~6 µs. test_dashboard_reads holds the two to the same
HTML. Text from the database is escaped as the template would; URLs and numbers need not be.
"""

from html import escape

from django import template
from django.template.defaultfilters import urlencode
from django.utils import timezone
from django.utils.safestring import mark_safe

from punchcard.core.templatetags.links import id_url
from punchcard.core.templatetags.short_dates import day_month, day_time

register = template.Library()

BADGES = {"completed": "badge-active", "cancelled": "badge-neutral"}  # else badge-warn
NOT_COUNTED = ' <span class="muted">(not counted)</span>'
NOT_COVERED = '<td><span class="badge badge-warn">Not covered</span></td>'


@register.simple_tag(takes_context=True)
def session_rows(context, sessions, show_client: bool = True, show_package: bool = True):
    """One <tr> per session dict, its times in the current time zone (the studio's)."""
    back = escape(urlencode(context["request"].get_full_path()))
    rows = []
    for s in sessions:
        client = escape(s["client_name"])
        starts_at = timezone.localtime(s["starts_at"])
        day = escape(day_month(starts_at))
        row = [f'<tr><td class="nowrap">{escape(day_time(starts_at))}</td>']
        if show_client:
            row.append(
                f'<td><a href="{id_url("clients:detail", s["client_id"])}">{client}</a></td>'
            )
        if show_package and s["package_id"] is None:
            row.append(NOT_COVERED)
        elif show_package:
            package_url = id_url("packages:detail", s["package_id"])
            row.append(f'<td><a href="{package_url}">{escape(s["package_name"])}</a></td>')
        badge = BADGES.get(s["status"], "badge-warn")
        note = NOT_COUNTED if s["status"] == "cancelled" else ""
        row.append(
            f'<td><span class="badge {badge}">{escape(s["status_label"])}</span>{note}</td>'
            f'<td class="hide-sm">{s["duration_minutes"]} min</td>'
            f'<td><a href="{id_url("training:edit", s["id"])}?next={back}">Edit'
            f'<span class="visually-hidden"> session of {client} on {day}</span></a></td></tr>'
        )
        rows.append("".join(row))
    return mark_safe("\n".join(rows))
