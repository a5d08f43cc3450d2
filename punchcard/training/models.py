from django.db import models
from django.utils import timezone

from punchcard.clients.models import Client
from punchcard.core.models import StudioQuerySet
from punchcard.packages.models import Package
from punchcard.packages.rules import COUNTED_STATUSES
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

    # Which statuses use up their package: a package rule (packages.rules), spelled as choices.
    COUNTED = tuple(map(Status, COUNTED_STATUSES))

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
            # dashboard's uncovered query away from session_uncovered (and into a sort).
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
                condition=models.Q(deleted_at__isnull=True, status__in=list(COUNTED_STATUSES)),
                name="session_counted_starts",
            ),
        ]

    def __str__(self):
        return f"{self.client} on {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_counted(self) -> bool:
        return self.deleted_at is None and self.status in self.COUNTED
