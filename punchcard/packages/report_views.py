"""Owner reports: expired packages with sessions left, what clients paid for and never used."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from punchcard.core.csv_export import csv_response
from punchcard.packages import selectors
from punchcard.packages.present import package_dict
from punchcard.studios.access import owner_required

CSV_COLUMNS = [
    "id",
    "client_name",
    "name",
    "expiry_date",
    "total_sessions",
    "sessions_used",
    "sessions_remaining",
    "per_session_value",
    "unused_value",
    "currency",
]


@owner_required
def expired_report(request: HttpRequest) -> HttpResponse:
    today = request.studio.today()
    packages, totals = selectors.expired_report(studio=request.studio, today=today)
    if request.GET.get("format") == "csv":
        rows = (
            [row[c] for c in CSV_COLUMNS]
            for row in (
                package_dict(p, studio=request.studio, today=today)
                for p in packages.iterator(chunk_size=2000)
            )
        )
        return csv_response(f"expired-packages-{today}.csv", CSV_COLUMNS, rows)
    return render(
        request,
        "packages/expired_report.html",
        {"packages": packages[:500], "totals": totals, "today": today},
    )
