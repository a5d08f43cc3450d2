"""GET /api/analytics/packages: the analytics page's figures as JSON (shared/api.md), owner only."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema, field_validator

from punchcard.analytics import selectors
from punchcard.core import money
from punchcard.core.api import Day, ErrorOut, MoneyOut, ValidationErrorOut
from punchcard.studios.api_auth import require_owner

router = Router(tags=["analytics"])


def _blank_is_none(value):
    # `?from=&to=` is how a form or a URL template sends "no bound": treat it as absent.
    return None if value == "" else value


OptionalDay = Annotated[
    Day | None,
    BeforeValidator(_blank_is_none),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]}
    ),
]


class RangeIn(Schema):
    from_: OptionalDay = Field(
        None, alias="from", description="First studio-local day of package creation, inclusive."
    )
    to: OptionalDay = Field(None, description="Last studio-local day, inclusive.")

    @field_validator("to")
    @classmethod
    def _not_before_from(cls, to: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("from_")
        if to is not None and start is not None and to < start:
            raise ValueError("`to` must be on or after `from`.")
        return to


class TypeCountOut(Schema):
    name: str
    count: int
    package_type_id: int | None


class TypeRevenueOut(Schema):
    name: str
    revenue: MoneyOut
    count: int
    package_type_id: int | None


class MonthSessionsOut(Schema):
    month: str = Field(..., examples=["2026-11"])
    sessions: int


class PackageAnalyticsOut(Schema):
    package_count: int
    average_package_value: MoneyOut
    completion_rate: float | None = Field(..., ge=0, le=1)
    popular_types: list[TypeCountOut]
    revenue_by_type: list[TypeRevenueOut]
    unused_session_value: MoneyOut
    expired_unused_value: MoneyOut
    currency: str
    # Beyond the contract's fields (allowed): totals behind the figures, and the monthly sessions.
    revenue: MoneyOut
    completed_count: int
    expired_count: int
    sessions_by_month: list[MonthSessionsOut]


def analytics_dict(figures: selectors.PackageAnalytics) -> dict:
    rate: Decimal | None = figures.completion_rate
    return {
        "package_count": figures.package_count,
        "average_package_value": money.cents_str(figures.average_package_value_cents or 0),
        # Already rounded to 4 decimals as a Decimal; a float prints it back unchanged (0.6667).
        "completion_rate": None if rate is None else float(rate),
        "popular_types": [
            {"name": t.name, "count": t.count, "package_type_id": t.package_type_id}
            for t in figures.popular_types
        ],
        "revenue_by_type": [
            {
                "name": t.name,
                "revenue": money.cents_str(t.revenue_cents),
                "count": t.count,
                "package_type_id": t.package_type_id,
            }
            for t in figures.revenue_by_type
        ],
        "unused_session_value": money.cents_str(figures.unused_session_value_cents),
        "expired_unused_value": money.cents_str(figures.expired_unused_value_cents),
        "currency": figures.currency,
        "revenue": money.cents_str(figures.revenue_cents),
        "completed_count": figures.completed_count,
        "expired_count": figures.expired_count,
        "sessions_by_month": [
            {"month": m.key, "sessions": m.sessions} for m in figures.sessions_by_month
        ],
    }


@router.get(
    "/packages",
    response={200: PackageAnalyticsOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut},
)
def package_analytics(request, params: Query[RangeIn]):
    """Figures for the studio's packages created between `from` and `to`, soft-deleted ones left out.

    Both ends are optional and inclusive, as days in the studio's time zone. Money is exact to the
    cent, rounded once. With no package in the range, `average_package_value` is "0.00" (not null,
    so clients can always parse it as money) and `completion_rate` is null, as it is whenever no
    package has ended (completed or expired). `sessions_by_month` counts delivered sessions
    (completed, no-show, late cancel) per studio-local month within the range, or over the last 12
    months when no range is given.
    """
    require_owner(request)
    date_range = selectors.DateRange(start=params.from_, end=params.to)
    return analytics_dict(selectors.package_analytics(studio=request.studio, date_range=date_range))
