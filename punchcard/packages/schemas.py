from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from punchcard.core.api import (
    Day,
    InSchema,
    MoneyIn,
    MoneyOut,
    QueryBool,
    StorableText,
    StrictBool,
    StrictInt,
)
from punchcard.packages.selectors import SORTS, STATUSES

ExpiryRuleName = Literal["from_sale", "from_first_session"]
SortKey = Literal[tuple(key for name in SORTS for key in (name, f"-{name}"))]
StatusName = Literal[tuple(STATUSES)]


class PackageTypeIn(InSchema):
    name: StorableText = Field(..., min_length=1, max_length=120)
    description: StorableText = Field("", max_length=2000)
    total_sessions: StrictInt = Field(..., ge=1, le=10_000)
    total_value: MoneyIn
    validity_days: StrictInt | None = Field(None, ge=1, le=3650)
    expiry_rule: ExpiryRuleName = Field(
        "from_sale",
        description="from_first_session: a sold package's validity_days count from its first "
        "session (validity_days required).",
    )
    is_active: StrictBool = True


class PackageTypeOut(Schema):
    id: int
    name: str
    description: str
    total_sessions: int
    total_value: MoneyOut
    per_session_value: MoneyOut
    validity_days: int | None
    expiry_rule: ExpiryRuleName
    is_active: bool


class PackageTypeList(Schema):
    items: list[PackageTypeOut]
    count: int


class PackageIn(InSchema):
    client_id: StrictInt = Field(..., ge=1, le=2**62)
    package_type_id: StrictInt | None = Field(None, ge=1, le=2**62)
    name: StorableText | None = Field(None, min_length=1, max_length=120)
    description: StorableText = Field("", max_length=2000)
    total_value: MoneyIn | None = None
    total_sessions: StrictInt | None = Field(None, ge=1, le=10_000)
    is_active: StrictBool = True
    is_primary: StrictBool = False
    start_date: Day | None = None
    expiry_date: Day | None = None
    expiry_rule: ExpiryRuleName | None = Field(
        None,
        description="Defaults to the type's rule, else from_sale. from_first_session leaves "
        "expiry_date empty until the first counted session, then sets it validity_days later.",
    )
    validity_days: StrictInt | None = Field(None, ge=1, le=3650)


def _optional(**constraints):
    """A PATCH field that may be left out but not sent as null (the column cannot hold null).

    The None default is never read (the API takes only the fields that were sent), so the
    document leaves it out rather than advertise a null the field refuses.
    """
    return Field(None, json_schema_extra=lambda schema: schema.pop("default", None), **constraints)


class PackagePatch(InSchema):
    client_id: StrictInt | None = Field(None, ge=1, le=2**62)
    package_type_id: StrictInt | None = Field(None, ge=1, le=2**62)
    name: StorableText = _optional(min_length=1, max_length=120)
    description: StorableText | None = Field(None, max_length=2000)
    total_value: MoneyIn = _optional()
    total_sessions: StrictInt = _optional(ge=1, le=10_000)
    is_active: StrictBool = _optional()
    is_primary: StrictBool = _optional()
    start_date: Day | None = None
    expiry_date: Day | None = None
    expiry_rule: ExpiryRuleName = _optional()
    validity_days: StrictInt | None = Field(None, ge=1, le=3650)


class PackageOut(Schema):
    id: int
    name: str
    description: str
    client_id: int
    client_name: str
    package_type_id: int | None
    total_value: MoneyOut
    total_sessions: int
    per_session_value: MoneyOut
    currency: str
    sessions_used: int
    sessions_remaining: int
    used_value: MoneyOut
    unused_value: MoneyOut
    is_active: bool
    is_primary: bool
    start_date: date | None
    expiry_date: date | None
    expiry_rule: ExpiryRuleName
    validity_days: int | None
    status: StatusName
    is_expired: bool
    near_completion: bool
    expiring_soon: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class HeldPackageOut(PackageOut):
    held: Literal["current", "transferred_out"]


class PackageList(Schema):
    items: list[PackageOut]
    count: int


class HeldPackageList(Schema):
    items: list[HeldPackageOut]
    count: int


class PackageFiltersIn(Schema):
    client_id: int | None = Field(None, ge=1, le=2**62)
    is_active: QueryBool | None = None
    status: StatusName | None = None
    q: StorableText = Field("", max_length=200)
    include_deleted: QueryBool = False
    sort: SortKey = "-created_at"


class TransferIn(InSchema):
    client_id: StrictInt = Field(..., ge=1, le=2**62)
    reason: StorableText = Field("", max_length=500)


class HistoryItem(Schema):
    at: datetime
    actor: str | None
    action: Literal[
        "created",
        "updated",
        "deleted",
        "restored",
        "transferred",
        "primary_set",
        "primary_unset",
        "adjusted",
        "frozen",
        "unfrozen",
        "expiry_started",
    ]
    changes: dict[str, list]
    reason: str | None


class HistoryOut(Schema):
    items: list[HistoryItem]


class AdjustmentIn(InSchema):
    sessions: StrictInt = Field(
        ...,
        ge=-10_000,
        le=10_000,
        description="Sessions added to what is left (positive) or removed (negative); not 0.",
    )
    reason: StorableText = Field(..., min_length=1, max_length=500)


class AdjustmentOut(Schema):
    id: int
    sessions: int
    reason: str
    actor: str | None
    created_at: datetime


class AdjustmentList(Schema):
    items: list[AdjustmentOut]
    count: int


class AdjustedOut(Schema):
    adjustment: AdjustmentOut
    package: PackageOut


class FreezeIn(InSchema):
    starts_on: Day
    ends_on: Day
    reason: StorableText = Field("", max_length=500)


class FreezeOut(Schema):
    id: int
    starts_on: date
    ends_on: date
    days: int
    reason: str
    expiry_shift_days: int = Field(..., description="How far this freeze moved the expiry date.")
    cancelled: bool
    ended_at: datetime | None
    actor: str | None
    created_at: datetime


class FreezeList(Schema):
    items: list[FreezeOut]
    count: int


class FrozenOut(Schema):
    freeze: FreezeOut
    package: PackageOut
