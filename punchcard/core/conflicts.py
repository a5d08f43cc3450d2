"""Writes that collide: what the databases say when two writers cannot both go through.

Services lock rows in one order (the client, then its packages by id), so these should not
happen; when one still does (a lock wait that timed out, a unique rule two writers raced for)
the caller gets a 409 and may try again, never a 500.
"""

from django.db import IntegrityError, OperationalError

WRITE_CONFLICT = "Someone changed this at the same moment. Nothing was saved: please try again."

# PostgreSQL's SQLSTATEs for "try again": serialization failure, deadlock, lock not available.
_RETRYABLE_STATES = {"40001", "40P01", "55P03"}


def is_write_conflict(exc: Exception) -> bool:
    """True for a unique or lock conflict between writers; False for any other database error."""
    if isinstance(exc, IntegrityError):
        return "unique" in str(exc).lower() or "duplicate key" in str(exc).lower()
    if isinstance(exc, OperationalError):
        state = getattr(exc.__cause__, "sqlstate", None)
        return state in _RETRYABLE_STATES or "database is locked" in str(exc)
    return False
