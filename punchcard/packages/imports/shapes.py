"""The file's columns and limits, and what a check or an import answers: problems by line and
column, a preview per row, the totals."""

import csv
import re
from dataclasses import dataclass, field
from datetime import date

from punchcard.packages.services.checks import (
    MAX_SESSIONS,
)

COLUMNS = (
    "client_name",
    "client_email",
    "client_phone",
    "package_name",
    "total_sessions",
    "sessions_used",
    "total_value",
    "start_date",
    "expiry_date",
)
PACKAGE_COLUMNS = COLUMNS[3:]
MAX_ROWS = 5_000
MAX_BYTES = 2 * 1024 * 1024
DELIMITERS = (",", ";", "\t")

# Service errors are keyed by the API's field names; the file's user knows only its columns.
CLIENT_FIELDS = {"name": "client_name", "email": "client_email", "phone": "client_phone"}
PACKAGE_FIELDS = {
    "client_id": "client_name",
    "name": "package_name",
    "total_sessions": "total_sessions",
    "total_value": "total_value",
    "start_date": "start_date",
    "expiry_date": "expiry_date",
    "sessions": "sessions_used",
    "reason": "sessions_used",
}

SESSIONS_MESSAGE = f"Enter a whole number of sessions from 1 to {MAX_SESSIONS:,}."
USED_MESSAGE = f"Enter the sessions already used: a whole number from 0 to {MAX_SESSIONS:,}."
DATE_MESSAGE = "Enter a date as YYYY-MM-DD, e.g. 2026-03-31."
_WHOLE_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+")
_GROUPED_MONEY_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A JSON string may carry a lone UTF-16 surrogate ("\\ud800"): no database can store it.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# No column holds more than an email's 254 characters; longer is a pasting accident, named as one.
MAX_CELL = 1_000
# Rows written per INSERT: PostgreSQL binds at most 65,535 parameters a statement (SQLite's lower
# limit makes Django batch smaller there anyway).
BATCH = 500
# The csv module refuses a field over 131,072 characters with an error that names no column. The
# file's own limit (MAX_BYTES) bounds a field instead, and MAX_CELL names the cell. Process-wide,
# but it only ever raises the limit.
csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES + 1))


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the file: its 1-based line (the header is line 1) and column.

    line is None for the file as a whole (too large, not UTF-8, no rows); field is None for a
    problem of the row rather than of one cell.
    """

    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = " · ".join(
            part for part in (f"Line {self.line}" if self.line else "", self.field or "") if part
        )
        return f"{where}: {self.message}" if where else self.message


@dataclass
class RowPreview:
    """What one data row imports (or would): its client and, when it has one, its package."""

    line: int
    client_name: str
    client_email: str
    # "new": this row creates the client; "existing": a client the studio already has;
    # "repeat": a new client that an earlier row of the file creates (same_as_line).
    client_status: str = ""
    client_id: int | None = None
    same_as_line: int | None = None
    has_package: bool = False
    package_name: str = ""
    total_sessions: int | None = None
    sessions_used: int = 0
    total_value_cents: int | None = None
    start_date: date | None = None
    expiry_date: date | None = None
    package_id: int | None = None
    errors: list[ImportProblem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def sessions_left(self) -> int:
        """What the package will have left; never below 0 (see sessions_over)."""
        return max(0, (self.total_sessions or 0) - self.sessions_used)

    @property
    def sessions_over(self) -> int:
        return max(0, self.sessions_used - (self.total_sessions or 0))


@dataclass
class ImportResult:
    dry_run: bool
    rows: list[RowPreview] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    clients_created: int = 0
    clients_matched: int = 0
    packages_created: int = 0
    # The text that was checked, decoded (so an uploaded file can be shown and sent back).
    text: str = ""

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def sessions_used(self) -> int:
        return sum(row.sessions_used for row in self.rows if row.valid and row.has_package)
