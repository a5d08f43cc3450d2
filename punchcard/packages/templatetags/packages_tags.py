"""Template helpers for showing packages: money in the studio's currency and a package's state."""

from django import template

from punchcard.core import money as money_helpers
from punchcard.packages import rules
from punchcard.packages.models import Package
from punchcard.packages.rules import PackageState

register = template.Library()


@register.filter
def money(cents, currency="USD"):
    """{{ package.total_value_cents|money:studio.currency }} -> "$1,200.00"; empty for None."""
    if cents is None or cents == "":
        return ""
    return money_helpers.format_money(int(cents), currency or "USD")


@register.simple_tag(takes_context=True)
def package_state(context, package: Package) -> PackageState:
    """{% package_state package as state %}: status, warnings and counts as of the studio's today.

    Templates cannot call status_on(today); this keeps the rule in the model and out of templates.
    """
    studio = context["studio"]
    today = context.get("today") or studio.today()
    return rules.state(package, today=today, threshold=studio.low_balance_threshold)


@register.inclusion_tag("components/_progress.html")
def progress(package: Package, state: PackageState, big: bool = False, flags: bool = True) -> dict:
    """{% progress package state big=True flags=False %}: sessions used as a bar AND as words
    (components/_progress.html), so near completion, overage and expiry never rely on colour
    alone. flags=False when the same warnings already sit beside it as badges.

    The values are worked out here and handed over flat, the numbers as text: a bar's numbers
    are aria values, never localised, and a list shows a bar on every row, where each model
    attribute or number the template resolved itself cost it more than the markup.
    """
    used, total = package.sessions_used, package.total_sessions
    if flags and state.is_expired:
        flag = "expired"
    elif flags and state.near_completion:
        flag = "running low"
    else:
        flag = ""
    return {
        "name": package.name,
        "used": str(used),
        "total": str(total),
        "now": str(total if state.over else used),
        "balance": f"{state.over} over" if state.over else f"{state.left} left",
        "percent": str(package.progress_percent),
        "big": big,
        "over": bool(state.over),
        "low": state.near_completion,
        "expired": state.is_expired,
        "flag": flag,
    }
