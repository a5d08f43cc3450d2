"""Every write to package types and packages: pages, the API and the import all come through here.

checks: the input checks; package_types; packages: sell, edit, primary, transfer, delete, restore;
adjustments: adjust, freeze, the first-session expiry.
"""

from punchcard.packages.services.adjustments import (
    adjustment_words,
    freeze_end,
    package_adjust,
    package_freeze,
    start_expiry_on_first_session,
)
from punchcard.packages.services.checks import MAX_SESSIONS
from punchcard.packages.services.package_types import (
    DEFAULT_TYPES,
    create_default_types,
    package_type_delete,
    package_type_save,
)
from punchcard.packages.services.packages import (
    EDITABLE,
    package_create,
    package_delete,
    package_restore,
    package_set_primary,
    package_transfer,
    package_update,
)

__all__ = [
    "DEFAULT_TYPES",
    "EDITABLE",
    "MAX_SESSIONS",
    "adjustment_words",
    "create_default_types",
    "freeze_end",
    "package_adjust",
    "package_create",
    "package_delete",
    "package_freeze",
    "package_restore",
    "package_set_primary",
    "package_transfer",
    "package_type_delete",
    "package_type_save",
    "package_update",
    "start_expiry_on_first_session",
]
