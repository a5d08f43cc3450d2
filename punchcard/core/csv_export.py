"""CSV downloads: streamed row by row, so an export of any size never sits in memory."""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse


def spreadsheet_safe(value):
    """Text that a spreadsheet would run as a formula ("=HYPERLINK(...)") is kept as text.

    Names come from users; a leading quote is how spreadsheets mark a cell as literal text.
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can feed a stream."""

    def write(self, value):
        return value


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([spreadsheet_safe(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
