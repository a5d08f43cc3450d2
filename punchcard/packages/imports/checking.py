"""Checking each row by the services' rules, with the studio's clients matched once."""

from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from punchcard.clients.models import Client
from punchcard.clients.services import _clean_fields as clean_client_fields
from punchcard.core import money
from punchcard.packages.imports.reading import _read_cells, _Row
from punchcard.packages.imports.shapes import (
    CLIENT_FIELDS,
    PACKAGE_FIELDS,
    ImportProblem,
    ImportResult,
    RowPreview,
)
from punchcard.packages.models import ExpiryRule, Package
from punchcard.packages.services.checks import (
    check_dates,
    check_money,
    check_name,
    check_reason,
    check_sessions,
)
from punchcard.studios.models import Studio


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
