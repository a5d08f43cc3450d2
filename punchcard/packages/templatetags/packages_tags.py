"""Template helpers for showing packages: money in the studio's currency and a package's state."""

from dataclasses import dataclass
from datetime import date

from django import template

from punchcard.core import money as money_helpers
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
