"""CSV import of clients and the packages they already hold, for studios leaving a spreadsheet.

One code path checks the dry run and the real import: every row is read and checked in Python,
by the rules the services apply everywhere else (client_create's full_clean, package_create's and
package_adjust's helpers), with the studio's clients matched from one query. A dry run stops
there: one SELECT, no transaction, so on SQLite it never takes the write lock other studios'
writers wait for. A real import runs the same check inside one transaction and, only if every row
is valid, writes what it checked in bulk: the new clients, the packages, their history rows
(created, and adjusted for used sessions, as the services stamp them), the "Used before import"
adjustments (each package's counter set to what its adjustment removes) and the studio's live-package tally.
The preview therefore never promises what the import would then refuse.

Checks happen in two layers: first each cell is read (required, whole numbers, money, ISO dates,
valid text, a sane length) so that every bad cell of a row is named at once; a row whose cells
all read is then checked by the service rules (name length, email format, expiry not before
start…), the client's and the package's each reported.

Queries: a dry run is one SELECT (the studio's live clients). A real import adds a few bulk
INSERTs per 500 rows (SQLite: per ~60-110, its parameter limit), one UPDATE for the counters and
one for the tally: 5,000 rows are about 200 statements on SQLite, 45 on PostgreSQL.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from punchcard.clients.models import Client
from punchcard.clients.services import _clean_fields as clean_client_fields
from punchcard.core import money
from punchcard.packages import tallies
from punchcard.packages.models import Adjustment, ExpiryRule, Package
from punchcard.packages.services import adjustment_words
from punchcard.packages.services.checks import (
    MAX_SESSIONS,
    check_dates,
    check_money,
    check_name,
    check_reason,
    check_sessions,
)
from punchcard.studios.models import Studio, User

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


# Reading the file -------------------------------------------------------------------------------


class _FileProblem(Exception):
    def __init__(self, *problems: ImportProblem):
        self.problems = list(problems)


def decode(data: bytes | str) -> str:
    """The file's text: UTF-8 with or without a byte-order mark, at most MAX_BYTES."""
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > MAX_BYTES:
        raise _FileProblem(
            ImportProblem(
                None,
                None,
                f"The file is {size / 1024 / 1024:.1f} MB; the limit is 2 MB "
                f"(and {MAX_ROWS:,} rows). Split it into smaller files.",
            )
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = len(re.findall(rb"\r\n|\r|\n", data[: exc.start])) + 1
            raise _FileProblem(
                ImportProblem(
                    line,
                    None,
                    "This line is not UTF-8 text. Save the file as “CSV UTF-8” "
                    "(Excel) or download it as CSV (Google Sheets, Numbers).",
                )
            ) from None
    else:
        text = data
    # Old Mac files end lines with CR alone, Windows ones with CR LF: all are line breaks (in a
    # quoted cell too), so that lines are counted as the spreadsheet shows them.
    text = re.sub(r"\r\n?", "\n", text.removeprefix("\ufeff"))
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _FileProblem(
            ImportProblem(line, None, "This line holds a NUL character: is it really a CSV file?")
        )
    return text


def _visible(text: str) -> str:
    """The text with any lone surrogate replaced, so that it can be shown and sent as JSON."""
    return _SURROGATE_RE.sub("\ufffd", text)


def _column_name(cell: str) -> str:
    name = _visible(re.sub(r"[\s\-]+", "_", cell.strip().lower()))
    return name if len(name) <= 60 else name[:60] + "…"


def _delimiter(first_line: str) -> str:
    """The delimiter under which the header names the most known columns (then the commonest)."""

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return (sum(_column_name(c) in COLUMNS for c in cells), first_line.count(delimiter))

    return max(DELIMITERS, key=score)


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for each record, blank ones included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _FileProblem(
                ImportProblem(
                    start,
                    None,
                    f"This line cannot be read as CSV ({exc}). Check its quotes: a value with "
                    "a comma or a quote inside goes in double quotes, and a quote inside it is "
                    "doubled.",
                )
            ) from None
        yield start, cells
        start = reader.line_num + 1


def _header(cells: list[str]) -> list[str | None]:
    """The header's column names (None for a blank one), or a _FileProblem naming what's wrong."""
    names = [_column_name(cell) or None for cell in cells]
    problems, seen = [], set()
    for name in names:
        if name is None:
            continue
        if name not in COLUMNS:
            problems.append(
                ImportProblem(
                    1,
                    name,
                    f"Unknown column “{name}”. The columns are: {', '.join(COLUMNS)} "
                    "(in any order; only client_name is required).",
                )
            )
        elif name in seen:
            problems.append(ImportProblem(1, name, "This column appears twice in the header."))
        seen.add(name)
    if "client_name" not in seen:
        problems.append(
            ImportProblem(
                1,
                "client_name",
                "The first line must name the columns, and it needs a client_name column.",
            )
        )
    if problems:
        raise _FileProblem(*problems)
    return names


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    stray: bool  # a value under no named column
    unreadable: list[str] = field(default_factory=list)  # columns holding a lone surrogate


def _rows(text: str) -> list[_Row]:
    lines = text.split("\n", 1)
    records = _records(text, _delimiter(lines[0]))
    first = next(records, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        raise _FileProblem(
            ImportProblem(
                1, None, "The file is empty: the first line must name the columns (client_name…)."
            )
        )
    names = _header(first[1])
    rows = []
    for line, cells in records:
        values = [cell.strip() for cell in cells]
        if not any(values):
            continue  # blank lines, or a row of empty cells, as spreadsheets leave at the end
        if len(rows) == MAX_ROWS:
            raise _FileProblem(
                ImportProblem(
                    None,
                    None,
                    f"The file has more than {MAX_ROWS:,} rows (the limit, with 2 MB). "
                    "Split it into smaller files.",
                )
            )
        named = {name: value for name, value in zip(names, values, strict=False) if name}
        stray = any(values[len(names) :]) or any(
            value for name, value in zip(names, values, strict=False) if name is None
        )
        unreadable = [name for name, value in named.items() if _SURROGATE_RE.search(value)]
        for name in unreadable:
            named[name] = _visible(named[name])
        rows.append(_Row(line, {c: named.get(c, "") for c in COLUMNS}, stray, unreadable))
    if not rows:
        raise _FileProblem(
            ImportProblem(None, None, "The file has a header but no rows to import.")
        )
    return rows


# Reading the cells of a row ---------------------------------------------------------------------


def _whole(text: str) -> int | None:
    """A whole number of at most nine digits (no column takes more), else None."""
    if not _WHOLE_RE.fullmatch(text):
        return None
    digits = text.replace(",", "").lstrip("0") or "0"
    return int(digits) if len(digits) <= 9 else None


def _date(text: str) -> date | None:
    if not _DATE_RE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _read_cells(row: _Row, preview: RowPreview) -> list[ImportProblem]:
    """Fill the preview from the row's cells; a problem for every cell that cannot be read."""
    cells, problems = row.cells, []

    def problem(column: str | None, message: str) -> None:
        # One problem a cell: an emptied over-long cell is not then also "missing".
        if column is None or all(p.field != column for p in problems):
            problems.append(ImportProblem(row.line, column, message))

    if row.stray:
        problem(None, "This row has a value in a column that the header does not name.")
    for column in row.unreadable:
        problem(
            column,
            "This cell holds a character that is not text (a lone UTF-16 surrogate, such as "
            "\\ud800): retype it or remove it.",
        )
    for column in COLUMNS:
        if len(cells[column]) > MAX_CELL:
            problem(
                column,
                f"This cell is {len(cells[column]):,} characters long; no column takes more than "
                "254. Is a quote missing, so that the rest of the file ran into it?",
            )
            cells[column] = ""
    if not cells["client_name"]:
        problem("client_name", "Give the client’s name.")
    used = cells["sessions_used"]
    preview.has_package = any(cells[c] for c in PACKAGE_COLUMNS if c != "sessions_used") or (
        bool(used) and used != "0"
    )
    if not preview.has_package:
        return problems
    preview.package_name = cells["package_name"]

    sessions = cells["total_sessions"]
    if not sessions:
        problem("total_sessions", "Enter how many sessions the package holds.")
    else:
        number = _whole(sessions)
        if number is None or not 1 <= number <= MAX_SESSIONS:
            problem("total_sessions", SESSIONS_MESSAGE)
        else:
            preview.total_sessions = number
    if used:
        # More used than the total is allowed: the package shows the overage, as it would
        # after logging those sessions one by one (a used-up package never blocks a session).
        number = _whole(used)
        if number is None or number > MAX_SESSIONS:
            problem("sessions_used", USED_MESSAGE)
        else:
            preview.sessions_used = number

    value = cells["total_value"]
    if not value:
        problem("total_value", "Enter the package’s total value, e.g. 1200.00.")
    else:
        try:
            amount = money.parse_money(
                value.replace(",", "") if _GROUPED_MONEY_RE.fullmatch(value) else value
            )
        except ValueError as exc:
            problem("total_value", str(exc))
        else:
            preview.total_value_cents = money.to_cents(amount)

    for column in ("start_date", "expiry_date"):
        if cells[column]:
            day = _date(cells[column])
            if day is None:
                problem(column, DATE_MESSAGE)
            setattr(preview, column, day)
    return problems


def _service_problems(line: int, exc: ValidationError, fields: dict) -> list[ImportProblem]:
    if not hasattr(exc, "error_dict"):
        return [ImportProblem(line, None, message) for message in exc.messages]
    return [
        ImportProblem(line, fields.get(key) if key != NON_FIELD_ERRORS else None, message)
        for key, messages in exc.message_dict.items()
        for message in messages
    ]


# Clients: match the studio's, or create each new one once ------------------------------------------


class _Clients:
    """Finds a row's client: by email, else by a name that only one client has, else a new one."""

    def __init__(self, studio: Studio):
        self.studio = studio
        self.by_email: dict[str, Client] = {}
        self.by_name: dict[str, list[Client]] = {}
        # Oldest first, so that of several clients sharing an email the first one is matched.
        found = Client.objects.for_studio(studio).live().order_by("pk")
        for client in found.only("pk", "studio_id", "name", "email", "deleted_at"):
            if client.email:
                self.by_email.setdefault(client.email.strip().casefold(), client)
            self.by_name.setdefault(client.name.strip().casefold(), []).append(client)
        # New clients of valid rows (unsaved until written): key -> (client, first line).
        self.made: dict[tuple[str, str], tuple[Client, int]] = {}
        self.matched: set[int] = set()

    @staticmethod
    def key(name: str, email: str) -> tuple[str, str]:
        return ("email", email.casefold()) if email else ("name", name.casefold())

    def find(self, name: str, email: str) -> tuple[Client | None, str, int | None]:
        """(client or None for a new one, status, the line that made it for a repeat)."""
        key = self.key(name, email)
        if key in self.made:
            client, first_line = self.made[key]
            return client, "repeat", first_line
        if email:
            client = self.by_email.get(email.casefold())
        else:
            same_name = self.by_name.get(name.casefold(), [])
            client = same_name[0] if len(same_name) == 1 else None
        return client, ("existing" if client else "new"), None


# Checking a row by the services' rules ------------------------------------------------------------


@dataclass
class _Planned:
    """What a valid row writes: its client (new ones unsaved) and its package (unsaved)."""

    preview: RowPreview
    client: Client
    package: Package | None
    reason: str = ""


def _problems_of(line: int, fields: dict, *checks) -> list[ImportProblem]:
    """Run each check; the problems of all that fail (a service would stop at the first)."""
    problems = []
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            problems += _service_problems(line, exc, fields)
    return problems


def _check_row(
    row: _Row, preview: RowPreview, clients: _Clients, *, studio: Studio
) -> _Planned | list[ImportProblem]:
    """The row as it would be written, or its problems: client_create's check for a new client
    (full_clean), then package_create's and package_adjust's for its package."""
    cells = row.cells
    client, status, first_line = clients.find(cells["client_name"], cells["client_email"])
    preview.client_status, preview.same_as_line = status, first_line
    problems = []
    if client is None:
        client = Client(
            studio=studio,
            **clean_client_fields(
                {
                    "name": cells["client_name"],
                    "email": cells["client_email"],
                    "phone": cells["client_phone"],
                }
            ),
        )
        problems += _problems_of(
            row.line, CLIENT_FIELDS, lambda: client.full_clean(exclude=["studio"])
        )
    planned = _Planned(preview, client, None)
    if preview.has_package:
        total_sessions, cents = preview.total_sessions, preview.total_value_cents
        checked = {}

        def name():
            checked["name"] = check_name(preview.package_name or f"{total_sessions} sessions")

        problems += _problems_of(
            row.line,
            PACKAGE_FIELDS,
            lambda: check_sessions(total_sessions),
            lambda: check_money(money.from_cents(cents)),
            name,
            lambda: check_dates(preview.start_date, preview.expiry_date),
        )
        if preview.sessions_used:
            planned.reason = f"Used before import (line {row.line})"
            problems += _problems_of(
                row.line,
                PACKAGE_FIELDS,
                lambda: check_reason(planned.reason, required=True),
            )
        if not problems:
            planned.package = Package(
                studio=studio,
                client=client,
                name=checked["name"],
                total_value_cents=cents,
                total_sessions=total_sessions,
                start_date=preview.start_date,
                expiry_date=preview.expiry_date,
                expiry_rule=ExpiryRule.FROM_SALE,
            )
    return problems or planned


def _check(rows: list[_Row], result: ImportResult, *, studio: Studio) -> list[_Planned]:
    """Fill result (previews, counts, problems) and return what the valid rows would write."""
    clients = _Clients(studio)
    plans = []
    for row in rows:
        cells = row.cells
        preview = RowPreview(row.line, cells["client_name"], cells["client_email"])
        result.rows.append(preview)
        preview.errors = _read_cells(row, preview)
        if preview.errors:
            continue
        planned = _check_row(row, preview, clients, studio=studio)
        if isinstance(planned, list):
            # A refused row creates no client: a later row with the same one creates it.
            preview.errors = planned
            continue
        plans.append(planned)
        client = planned.client
        if preview.client_status == "new":
            key = clients.key(cells["client_name"], cells["client_email"])
            clients.made[key] = (client, row.line)
            result.clients_created += 1
        elif preview.client_status == "existing":
            preview.client_id = client.pk
            if client.pk not in clients.matched:
                clients.matched.add(client.pk)
                result.clients_matched += 1
        if planned.package is not None:
            result.packages_created += 1
    result.errors = [problem for row in result.rows for problem in row.errors]
    return plans


# Writing what was checked --------------------------------------------------------------------------


def _write_planned(plans: list[_Planned], *, studio: Studio, actor: User | None) -> None:
    """Write the checked rows in bulk, with what the services would have written beside them.

    package_create saves a package and its "created" history row and moves the studio's tally;
    package_adjust adds the adjustment, an "adjusted" history row and moves the counter. Here
    each is one INSERT per batch, the counters are set from their rows and the tally moves once.
    """
    new_clients = [p.client for p in plans if p.preview.client_status == "new"]
    Client.objects.bulk_create(new_clients, batch_size=BATCH)
    packages = [p.package for p in plans if p.package is not None]
    for planned in plans:
        if planned.package is not None:
            # A new package has no sessions: its counter is what its adjustment removes
            # (sessions_used = counted sessions - adjustments, as check_counts proves it).
            planned.package.sessions_used = planned.preview.sessions_used
    # The clients' ids, now known, reach the packages' client_id here.
    Package.objects.bulk_create(packages, batch_size=BATCH)

    History = Package.history.model
    now = timezone.now()

    def history(package: Package, action: str, kind: str, reason: str = ""):
        return History(
            history_date=now,
            history_user=actor,
            history_type=kind,
            history_action=action,
            history_reason=reason,
            **{f.attname: getattr(package, f.attname) for f in History.tracked_fields},
        )

    rows, adjustments = [], []
    for planned in plans:
        package = planned.package
        if package is None:
            continue
        rows.append(history(package, "created", "+"))
        used = planned.preview.sessions_used
        if used:
            adjustment = Adjustment(
                studio=studio, package=package, sessions=-used, reason=planned.reason, actor=actor
            )
            adjustments.append(adjustment)
            words = f"{adjustment_words(-used)}: {planned.reason}"
            rows.append(history(package, "adjusted", "~", words))
    History.objects.bulk_create(rows, batch_size=BATCH)
    Adjustment.objects.bulk_create(adjustments, batch_size=BATCH)
    tallies.live_packages_moved(studio.id, len(packages))
    for planned in plans:
        planned.preview.client_id = planned.client.pk
        planned.preview.package_id = planned.package.pk if planned.package else None


# The one entry point ------------------------------------------------------------------------------


def run_import(
    *, studio: Studio, actor: User | None, data: bytes | str, dry_run: bool
) -> ImportResult:
    """Check (dry_run) or import a CSV of clients and packages; see the module docstring.

    Returns what was (or would be) created and every problem, each with its line and column.
    Writes nothing when dry_run is set or when any row has a problem.
    """
    result = ImportResult(dry_run=dry_run)
    try:
        result.text = decode(data)
        rows = _rows(result.text)
    except _FileProblem as exc:
        result.errors, rows = exc.problems, None
    result.text = _visible(result.text)
    if rows is None:
        return result

    if dry_run:
        # No transaction: on SQLite BEGIN IMMEDIATE would take the write lock for the whole
        # check. The one SELECT reads a consistent snapshot by itself.
        _check(rows, result, studio=studio)
        return result
    # The check again inside the write transaction, so that the clients it matched are still
    # the studio's when the rows are written (SQLite: no writer in between; PostgreSQL as before).
    with transaction.atomic():
        plans = _check(rows, result, studio=studio)
        if result.valid:
            _write_planned(plans, studio=studio, actor=actor)
    return result
