from django.db import models
from django.utils import timezone

from punchcard.clients.models import Client
from punchcard.core.models import StudioQuerySet
from punchcard.packages.models import Package
from punchcard.studios.models import Studio


class TrainingSessionQuerySet(StudioQuerySet):
    def counted(self):
        """Sessions that use up a package: live, and not cancelled in time."""
        return self.live().filter(status__in=TrainingSession.COUNTED)


class TrainingSession(models.Model):
    """One training session of one client ("sessions" would clash with django.contrib.sessions)."""

    class Status(models.TextChoices):
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"
        LATE_CANCEL = "late_cancel", "Late cancel"
        CANCELLED = "cancelled", "Cancelled"

    COUNTED = (Status.COMPLETED, Status.NO_SHOW, Status.LATE_CANCEL)

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="training_sessions")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="training_sessions")
    # No index of its own: session_package_status leads with it.
    package = models.ForeignKey(
        Package,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_sessions",
        db_index=False,
    )
    trainer = models.ForeignKey(
        "studios.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField(default=timezone.now)
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.COMPLETED)
    notes = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1, duration_minutes__lte=1440),
                name="session_duration_range",
            ),
        ]
        indexes = [
            models.Index(fields=["studio", "-starts_at", "-id"], name="session_studio_starts"),
            # Sessions with a package only. SQLite's statistics average the uncovered sessions (all
            # `package IS NULL`) in with a package's twenty, so an index holding them lured the
            # dashboard's uncovered query away from session_uncovered (3 ms and a sort, not 0.1).
            models.Index(
                fields=["package", "status"],
                condition=models.Q(package__isnull=False),
                name="session_package_status",
            ),
            # A client's sessions newest first (scanned backwards), and the dashboard's pace counts
            # of counted sessions per client, read from the index alone.
            models.Index(
                fields=["client", "starts_at", "status", "deleted_at", "studio"],
                name="session_client_counted",
            ),
            # The dashboard's "not covered by a package": few rows, found at once on PostgreSQL.
            models.Index(
                fields=["studio", "-starts_at"],
                condition=models.Q(package__isnull=True),
                name="session_uncovered",
            ),
            # Live sessions by time: the session list's count, with or without a date range, is
            # read from this index alone.
            models.Index(
                fields=["studio", "starts_at"],
                condition=models.Q(deleted_at__isnull=True),
                name="session_live_starts",
            ),
            # Counted sessions only (live, status in COUNTED, in that order: the analytics month
            # counts repeat this condition word for word, or SQLite will not use the index), so
            # sessions per month are index-only range counts with nothing left to filter.
            models.Index(
                fields=["studio", "starts_at"],
                condition=models.Q(
                    deleted_at__isnull=True, status__in=["completed", "no_show", "late_cancel"]
                ),
                name="session_counted_starts",
            ),
        ]

    def __str__(self):
        return f"{self.client} on {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_counted(self) -> bool:
        return self.deleted_at is None and self.status in self.COUNTED


class SessionMonthTally(models.Model):
    """How many counted sessions (TrainingSession.objects.counted()) a studio has in each of its
    local months, so that analytics reads a month's count instead of counting its sessions
    (470,000 index entries for the benchmark studio's year).

    Moved only by training.counts, by an atomic upsert (no read-modify-write) in the same
    transaction or statement as the session's write; the month is the session's local month in
    the studio's stored time zone, and a change of zone rebuilds the studio's rows.
    `counts.tally_drifted()` proves it exact. A month without a row has no counted sessions.

    A month's count is the sum of its shards. Every writer of a studio's current month would
    otherwise update one row, each waiting for the one before to commit: 8 concurrent loggers
    wrote half as fast, and PostgreSQL spent twice the CPU on each. On PostgreSQL a connection
    writes the shard of its backend's pid, so concurrent writers rarely meet; a shard alone may
    go below zero (a session counted in one shard and deleted through another).
    """

    SHARDS = 16

    # The key is what the upsert's ON CONFLICT names: no surrogate id (an identity column burns
    # a sequence value on every upsert, conflicting or not).
    pk = models.CompositePrimaryKey("studio", "month", "shard")
    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()  # the first day of the month, studio-local
    shard = models.SmallIntegerField(default=0)
    sessions = models.IntegerField(default=0)

    def __str__(self):
        return f"{self.studio_id} {self.month:%Y-%m} ({self.shard}): {self.sessions} sessions"
