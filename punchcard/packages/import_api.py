"""POST /api/imports: a CSV of clients and their packages, checked (dry run) or imported."""

from datetime import date
from typing import Literal

from ninja import Field, Router, Schema, Status

from punchcard.core import money
from punchcard.core.api import (
    ErrorOut,
    InSchema,
    MoneyOut,
    StorableText,
    StrictBool,
    ValidationErrorOut,
)
from punchcard.packages import imports

router = Router(tags=["imports"])


class ImportIn(InSchema):
    csv: StorableText = Field(
        ...,
        description="The file's text: a header row naming the columns "
        f"({', '.join(imports.COLUMNS)}; only client_name is required), then one row per "
        "client or package. Comma, semicolon or tab separated; dates YYYY-MM-DD; money "
        '"1200.00" or "1,200.00". At most 2 MB and 5,000 rows.',
    )
    dry_run: StrictBool = Field(
        True,
        description="true (the default) checks the file and writes nothing; false imports it, "
        "all or nothing.",
    )


class ImportProblemOut(Schema):
    line: int | None = Field(
        ..., description="The file's line (the header is 1); null for the file as a whole."
    )
    field: str | None = Field(
        ..., description="The CSV column; null for a problem of the whole row or file."
    )
    message: str


class ImportRowOut(Schema):
    line: int
    client_name: str
    client_email: str
    client_status: Literal["new", "existing", "repeat", ""] = Field(
        ...,
        description="new: the row creates the client; existing: matched to one of the studio's "
        "clients (by email, else by a name only one client has); repeat: a new client an earlier "
        "row creates; empty when the row has a problem.",
    )
    client_id: int | None = Field(
        ..., description="Set for an existing client, and for every client once imported."
    )
    same_as_line: int | None
    has_package: bool
    package_name: str
    total_sessions: int | None
    sessions_used: int
    total_value: MoneyOut | None
    start_date: date | None
    expiry_date: date | None
    package_id: int | None = Field(..., description="Set once imported.")
    valid: bool


class ImportResultOut(Schema):
    dry_run: bool
    valid: bool
    clients_created: int
    clients_matched: int
    packages_created: int
    errors: list[ImportProblemOut]
    rows: list[ImportRowOut]


def _row(row: imports.RowPreview) -> dict:
    return {
        **{name: getattr(row, name) for name in ImportRowOut.model_fields if hasattr(row, name)},
        "total_value": None
        if row.total_value_cents is None
        else money.cents_str(row.total_value_cents),
    }


def _problem(problem: imports.ImportProblem) -> dict:
    return {"line": problem.line, "field": problem.field, "message": problem.message}


@router.post(
    "",
    response={
        200: ImportResultOut,
        401: ErrorOut,
        403: ErrorOut,
        422: ValidationErrorOut,
    },
)
def import_csv(request, payload: ImportIn):
    """Import clients and the packages they already hold from a spreadsheet's CSV.

    Each row is a client (matched to one of the studio's by email, else by a name only one
    client has, else created) and, when its package columns are filled, a package sold to them;
    sessions_used becomes an adjustment, so the package shows them as used. With dry_run (the
    default) nothing is written and the answer says what would be created and every problem,
    by line and column. With dry_run false the file is imported as a whole (200), or, if any row
    has a problem, nothing is written and the answer is a 422 whose loc names the line and column:
    ["body", "csv", "line 3", "total_sessions"].
    """
    result = imports.run_import(
        studio=request.studio, actor=request.user, data=payload.csv, dry_run=payload.dry_run
    )
    if not payload.dry_run and not result.valid:
        detail = [
            {
                "loc": [
                    "body",
                    "csv",
                    *([f"line {p.line}"] if p.line else []),
                    *([p.field] if p.field else []),
                ],
                "msg": p.message,
                "type": "invalid_csv",
            }
            for p in result.errors
        ]
        return Status(422, {"detail": detail})
    return {
        "dry_run": result.dry_run,
        "valid": result.valid,
        "clients_created": result.clients_created,
        "clients_matched": result.clients_matched,
        "packages_created": result.packages_created,
        "errors": [_problem(p) for p in result.errors],
        "rows": [_row(r) for r in result.rows],
    }
