"""Owner reports: expired packages with sessions left, what clients paid for and never used."""

import csv

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

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


class _Echo:
    def write(self, value):
        return value


@owner_required
def expired_report(request: HttpRequest) -> HttpResponse:
    today = request.studio.today()
    packages, totals = selectors.expired_report(studio=request.studio, today=today)
    if request.GET.get("format") == "csv":
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow(CSV_COLUMNS)
            for package in packages.iterator(chunk_size=2000):
                row = package_dict(package, studio=request.studio, today=today)
                yield writer.writerow([row[c] for c in CSV_COLUMNS])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="expired-packages-{today}.csv"'
        return response
    return render(
        request,
        "packages/expired_report.html",
        {"packages": packages[:500], "totals": totals, "today": today},
    )
