"""GET /api/packages/{id}/forecast: a package's pace forecast, from its holder's sessions."""

from datetime import date

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from punchcard.overview.selectors import package_forecasts, recent_session_counts
from punchcard.packages.api import ERRORS
from punchcard.packages.forecast import WINDOW_DAYS
from punchcard.packages.models import Package

# Mounted at /packages beside packages.api's router, under the same tag.
router = Router(tags=["packages"])


class ForecastOut(Schema):
    weekly_rate: float = Field(
        ..., description="Counted sessions a week over the last 56 days (their count ÷ 8)."
    )
    runs_out_on: date | None = Field(
        ...,
        description="When the sessions left run out at that pace; null when none are left "
        "or there was no session in the window (never, at this pace).",
    )
    expires_first: bool = Field(..., description="The expiry date comes before runs_out_on.")
    sessions_expiring_unused: int = Field(
        ...,
        description="Sessions still left on the expiry date at this pace; 0 unless expires_first.",
    )
    sessions_remaining: int
    sessions_in_window: int
    window_days: int


# The operation id it had in packages.api, where it was first published.
@router.get(
    "/{int:package_id}/forecast",
    response={200: ForecastOut, **ERRORS},
    operation_id="punchcard_packages_api_package_forecast",
)
def package_forecast(request, package_id: int):
    """The pace forecast: from the client's counted sessions of the last 56 days, when this
    package runs out and how many sessions would expire unused first."""
    packages = Package.objects.for_studio(request.studio).select_related("client").live()
    package = get_object_or_404(packages, pk=package_id)
    today = request.studio.today()
    counts = recent_session_counts(
        studio=request.studio, client_ids=[package.client_id], today=today
    )
    found = package_forecasts([package], counts=counts, today=today)[package.pk]
    return {
        "weekly_rate": float(found.weekly_rate),
        "runs_out_on": found.runs_out_on,
        "expires_first": found.expires_first,
        "sessions_expiring_unused": found.sessions_expiring_unused,
        "sessions_remaining": package.remaining,
        "sessions_in_window": counts[package.client_id],
        "window_days": WINDOW_DAYS,
    }
