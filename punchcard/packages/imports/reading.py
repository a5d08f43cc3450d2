"""Reading the file (encoding, line endings, delimiter, header) and each row's cells."""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from punchcard.core import money
from punchcard.packages.imports.shapes import (
    _DATE_RE,
    _GROUPED_MONEY_RE,
    _SURROGATE_RE,
    _WHOLE_RE,
    COLUMNS,
    DATE_MESSAGE,
    DELIMITERS,
    MAX_BYTES,
    MAX_CELL,
    MAX_ROWS,
    PACKAGE_COLUMNS,
    SESSIONS_MESSAGE,
    USED_MESSAGE,
    ImportProblem,
    RowPreview,
)
from punchcard.packages.services.checks import (
    MAX_SESSIONS,
)

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
