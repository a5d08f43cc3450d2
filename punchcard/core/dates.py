"""Calendar days where the studio is: ranges of local days as aware datetimes for queries."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class DateRange:
    """Studio-local days, both ends inclusive; None means open on that side."""

    start: date | None = None
    end: date | None = None

    @property
    def is_open(self) -> bool:
        return self.start is None and self.end is None

    def bounds(self, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """[start of `start` day, start of the day after `end`) as aware datetimes in the studio's zone.

        A bound the database cannot hold (year 1 or 9999 shifted by the zone offset) is no bound at
        all: nothing can be stored beyond it anyway, and it must never become a 500.
        """
        lower = day_start(self.start, tz) if self.start is not None else None
        upper = None
        if self.end is not None and self.end < date.max:
            upper = day_start(self.end + timedelta(days=1), tz)
        return lower, upper


def day_start(day: date, tz: ZoneInfo) -> datetime | None:
    """The first instant of `day` where the studio is, or None when no datetime can hold it
    (year 1 or 9999 shifted by the zone's offset)."""
    # combine() with a ZoneInfo gives the real local midnight, DST included.
    start = datetime.combine(day, time.min, tzinfo=tz)
    try:
        start.astimezone(UTC)
    except OverflowError:
        return None
    return start
