"""CSV import of clients and the packages they already hold, for studios leaving a spreadsheet.

One code path serves the dry run and the real import: every row goes through the same services
(client_create, package_create, package_adjust) inside one transaction, each row in a savepoint
of its own so that one bad row does not hide the next. A dry run is always rolled back, and so
is a real import with any bad row: nothing is written unless every row is valid. The preview
therefore never promises what the import would then refuse.

Checks happen in two layers: first each cell is read (required, whole numbers, money, ISO dates)
so that every bad cell of a row is named at once; a row whose cells all read is then handed to
the services, which apply the rules they apply everywhere else (name length, email format,
expiry not before start…). A service stops at its first complaint, so a row that breaks two
service rules shows one, then the other once fixed.

Queries: one to load the studio's live clients, then per package row with used sessions eight
reads and writes (client, package and its history row, the adjustment's lock, row, history row
and counter update), the studio's package tally, and eight savepoint statements (the row's own and each service's),
fewer without used sessions or for a client-only row. A 5,000-row file is up to 85,000 statements,
all in one transaction: on SQLite that holds the write lock meanwhile (other writers wait).
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from punchcard.clients.models import Client
from punchcard.clients.services import client_create
from punchcard.core import money
from punchcard.packages.models import Package
from punchcard.packages.services import MAX_SESSIONS, package_adjust, package_create
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
            line = data[: exc.start].count(b"\n") + 1
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
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _FileProblem(
            ImportProblem(line, None, "This line holds a NUL character: is it really a CSV file?")
        )
    return text


def _column_name(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", cell.strip().lower())


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
        rows.append(_Row(line, {c: named.get(c, "") for c in COLUMNS}, stray))
    if not rows:
        raise _FileProblem(
            ImportProblem(None, None, "The file has a header but no rows to import.")
        )
    return rows


# Reading the cells of a row ---------------------------------------------------------------------


def _whole(text: str) -> int | None:
    if not _WHOLE_RE.fullmatch(text):
        return None
    return int(text.replace(",", ""))


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
        problems.append(ImportProblem(row.line, column, message))

    if row.stray:
        problem(None, "This row has a value in a column that the header does not name.")
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
        preview.total_sessions = _whole(sessions)
        if preview.total_sessions is None or not 1 <= preview.total_sessions <= MAX_SESSIONS:
            problem("total_sessions", SESSIONS_MESSAGE)
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
        # New clients made by rows whose savepoint stuck: key -> (client, first line).
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


def _import_row(
    row: _Row, preview: RowPreview, clients: _Clients, *, studio: Studio, actor: User | None
) -> tuple[Client, Package | None]:
    """Write one row through the services (the caller's savepoint undoes it on a ValidationError)."""
    cells = row.cells
    client, status, first_line = clients.find(cells["client_name"], cells["client_email"])
    preview.client_status, preview.same_as_line = status, first_line
    if client is None:
        try:
            client = client_create(
                studio=studio,
                name=cells["client_name"],
                email=cells["client_email"],
                phone=cells["client_phone"],
            )
        except ValidationError as exc:
            raise _RowRefused(_service_problems(row.line, exc, CLIENT_FIELDS)) from None
    package = None
    if preview.has_package:
        try:
            package = package_create(
                studio=studio,
                actor=actor,
                client=client,
                name=preview.package_name or None,
                total_value=money.from_cents(preview.total_value_cents),
                total_sessions=preview.total_sessions,
                start_date=preview.start_date,
                expiry_date=preview.expiry_date,
            )
            if preview.sessions_used:
                package_adjust(
                    package=package,
                    actor=actor,
                    sessions=-preview.sessions_used,
                    reason=f"Used before import (line {row.line})",
                )
        except ValidationError as exc:
            raise _RowRefused(_service_problems(row.line, exc, PACKAGE_FIELDS)) from None
    return client, package


class _RowRefused(Exception):
    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems


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
        result.errors = exc.problems
        return result

    with transaction.atomic():
        clients = _Clients(studio)
        for row in rows:
            cells = row.cells
            preview = RowPreview(row.line, cells["client_name"], cells["client_email"])
            result.rows.append(preview)
            preview.errors = _read_cells(row, preview)
            if preview.errors:
                continue
            try:
                with transaction.atomic():
                    client, package = _import_row(row, preview, clients, studio=studio, actor=actor)
            except _RowRefused as exc:
                preview.errors = exc.problems
                continue
            preview.client_id = client.pk
            preview.package_id = package.pk if package else None
            if preview.client_status == "new":
                key = clients.key(cells["client_name"], cells["client_email"])
                clients.made[key] = (client, row.line)
                result.clients_created += 1
            elif preview.client_status == "existing" and client.pk not in clients.matched:
                clients.matched.add(client.pk)
                result.clients_matched += 1
            if package is not None:
                result.packages_created += 1
        result.errors = [problem for row in result.rows for problem in row.errors]
        if dry_run or result.errors:
            transaction.set_rollback(True)
            # Rolled back: only the ids of clients the studio already had still mean something.
            for preview in result.rows:
                if preview.client_status != "existing":
                    preview.client_id = None
                preview.package_id = None
    return result
