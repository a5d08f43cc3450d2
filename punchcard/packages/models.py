from datetime import date

from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from simple_history.models import HistoricalRecords

from punchcard.clients.models import Client
from punchcard.core import money
from punchcard.core.models import StudioQuerySet
from punchcard.packages import rules
from punchcard.packages.history import PackageHistoryFields
from punchcard.studios.models import Studio

# The longest single freeze, in days: a holiday or an injury, not a parked package.
MAX_FREEZE_DAYS = 366


class ExpiryRule(models.TextChoices):
    """When a package's validity starts counting."""

    FROM_SALE = "from_sale", "From the sale (start) date"
    FROM_FIRST_SESSION = "from_first_session", "From the first session"


class PackageType(models.Model):
    """A template ("12 sessions for $1,200"). Sold packages copy it; later edits don't reach them."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="package_types")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    total_sessions = models.PositiveIntegerField()
    total_value_cents = models.BigIntegerField()
    validity_days = models.PositiveIntegerField(null=True, blank=True)
    expiry_rule = models.CharField(
        max_length=20, choices=ExpiryRule.choices, default=ExpiryRule.FROM_SALE
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = StudioQuerySet.as_manager()

    class Meta:
        ordering = ["total_sessions", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_sessions__gte=1, total_sessions__lte=10_000),
                name="type_sessions_range",
            ),
            models.CheckConstraint(
                condition=Q(total_value_cents__gte=0, total_value_cents__lt=10**14),
                name="type_value_range",
            ),
            models.CheckConstraint(
                condition=Q(validity_days__isnull=True)
                | Q(validity_days__gte=1, validity_days__lte=3650),
                name="type_validity_range",
            ),
            models.CheckConstraint(
                condition=Q(expiry_rule="from_sale") | Q(validity_days__isnull=False),
                name="type_first_session_rule_has_days",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def per_session_value_cents(self) -> int:
        return money.per_session_cents(self.total_value_cents, self.total_sessions)


class PackageQuerySet(StudioQuerySet):
    def with_status(self, status: str, today: date):
        """Filter to one status (packages.rules, first match wins)."""
        return self.filter(rules.status_q(status, today))

    def with_frozen_until(self, day: date):
        """Annotate `frozen_until`: the last day of the freeze covering `day`, else None."""
        covering = Freeze.objects.overlapping(day, day).filter(package=OuterRef("pk"))
        return self.annotate(frozen_until=Subquery(covering.values("ends_on")[:1]))

    def usable(self, today: date):
        """Packages a new session may be counted against without a warning."""
        return self.with_status("active", today)

    def near_completion(self, threshold: int, today: date):
        return self.filter(rules.near_completion_q(threshold, today))

    def expiring_soon(self, today: date):
        return self.filter(rules.expiring_soon_q(today))


class Package(models.Model):
    """What one client bought. Money in cents; the used count is a counter kept exact by services."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        EXPIRED = "expired", "Expired"
        INACTIVE = "inactive", "Inactive"
        DELETED = "deleted", "Deleted"

    # No index of its own: every index below starts with studio. A lone studio_id index also
    # tempted SQLite into counting a studio's live packages through the table.
    studio = models.ForeignKey(
        Studio, on_delete=models.CASCADE, related_name="packages", db_index=False
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="packages")
    package_type = models.ForeignKey(
        PackageType, on_delete=models.SET_NULL, null=True, blank=True, related_name="packages"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    total_value_cents = models.BigIntegerField()
    total_sessions = models.PositiveIntegerField()
    # Counted sessions (completed, no-show, late cancel) of this package. Only ever changed by an
    # atomic F() update in the same transaction as the session row; `check_counts` proves it.
    sessions_used = models.IntegerField(default=0, editable=False)
    # Stored so that sorting and filtering by them can use an index.
    sessions_remaining = models.GeneratedField(
        expression=F("total_sessions") - F("sessions_used"),
        output_field=models.IntegerField(),
        db_persist=True,
    )
    per_session_value_cents = models.GeneratedField(
        # core.money's rule in SQL (integer on both databases).
        expression=money.per_session_cents_sql(),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    is_active = models.BooleanField(default=True)
    is_primary = models.BooleanField(default=False)
    start_date = models.DateField(null=True, blank=True)
    expiry_date = models.DateField(null=True, blank=True)
    # "from_first_session": expiry_date stays empty until the first counted session is logged,
    # then becomes that session's day + validity_days (set once, in the session's transaction).
    expiry_rule = models.CharField(
        max_length=20, choices=ExpiryRule.choices, default=ExpiryRule.FROM_SALE
    )
    validity_days = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(
        bases=[PackageHistoryFields],
        excluded_fields=[
            "sessions_used",
            "sessions_remaining",
            "per_session_value_cents",
            "updated_at",
        ],
        cascade_delete_history=False,
    )
    objects = PackageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_sessions__gte=1, total_sessions__lte=10_000),
                name="package_sessions_range",
            ),
            models.CheckConstraint(
                condition=Q(total_value_cents__gte=0, total_value_cents__lt=10**14),
                name="package_value_range",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(expiry_date__isnull=True)
                | Q(expiry_date__gte=F("start_date")),
                name="package_expiry_after_start",
            ),
            models.CheckConstraint(
                condition=Q(expiry_rule="from_sale")
                | Q(validity_days__gte=1, validity_days__lte=3650),
                name="package_first_session_rule_has_days",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(is_primary=True, deleted_at__isnull=True),
                name="one_primary_package_per_client",
            ),
        ]
        indexes = [
            models.Index(fields=["studio", "client"], name="package_studio_client"),
            models.Index(fields=["studio", "-created_at", "-id"], name="package_studio_created"),
            models.Index(
                fields=["studio", "sessions_remaining", "id"], name="package_studio_remaining"
            ),
            models.Index(fields=["studio", "expiry_date", "id"], name="package_studio_expiry"),
            models.Index(fields=["studio", "total_value_cents", "id"], name="package_studio_value"),
            # Live packages only (every list but the owner's include_deleted): the list's count
            # and the rows a deep page skips are read from these indexes alone, not the table.
            # The newest-first one also holds what a status filter tests, so a status list walks
            # the index alone until it has its page (expired packages sit among older ones).
            # And deleted_at, always NULL here: SQLite does not count a partial index's condition
            # as a column it holds, and without it steps to the table's row for every entry a
            # deep page skips.
            models.Index(
                fields=[
                    "studio",
                    "-created_at",
                    "-id",
                    "expiry_date",
                    "sessions_remaining",
                    "is_active",
                    "deleted_at",
                ],
                condition=Q(deleted_at__isnull=True),
                name="package_live_created",
            ),
            models.Index(
                fields=["studio", "sessions_remaining", "id"],
                condition=Q(deleted_at__isnull=True),
                name="package_live_remaining",
            ),
            models.Index(
                fields=["studio", "expiry_date", "sessions_remaining"],
                condition=Q(deleted_at__isnull=True),
                name="package_live_expiry",
            ),
            models.Index(
                fields=["client", "id"],
                condition=Q(deleted_at__isnull=True),
                name="package_live_client",
            ),
            # The list's count of expired packages (selectors.package_count): live ones with sessions
            # left only, so the count skips the used-up ones that expired too.
            models.Index(
                fields=["studio", "expiry_date", "sessions_remaining"],
                condition=Q(deleted_at__isnull=True, sessions_remaining__gte=1),
                name="package_open_expiry",
            ),
            # Analytics: every column its grouped pass reads, so it is index-only on both databases,
            # already in GROUP BY order (type, name), so SQLite needs no sort.
            models.Index(
                fields=[
                    "studio",
                    "package_type",
                    "name",
                    "created_at",
                    "total_value_cents",
                    "total_sessions",
                    "sessions_used",
                    "sessions_remaining",
                    "expiry_date",
                ],
                condition=Q(deleted_at__isnull=True),
                name="package_live_analytics",
            ),
        ]

    def __str__(self):
        return f"{self.name} for {self.client}"

    # Values derived from the row's own fields ---------------------------------------------------
    @property
    def remaining(self) -> int:
        # The generated column is only read back from the database; compute it for fresh objects.
        return self.total_sessions - self.sessions_used

    @property
    def per_session_cents(self) -> int:
        return money.per_session_cents(self.total_value_cents, self.total_sessions)

    @property
    def used_value_cents(self) -> int:
        return money.used_value_cents(
            self.total_value_cents, self.total_sessions, self.sessions_used
        )

    @property
    def unused_value_cents(self) -> int:
        return money.unused_value_cents(
            self.total_value_cents, self.total_sessions, self.sessions_used
        )

    @property
    def progress_percent(self) -> int:
        return min(100, round(100 * max(self.sessions_used, 0) / self.total_sessions))

    @property
    def expiry_waits_for_first_session(self) -> bool:
        return self.expiry_rule == ExpiryRule.FROM_FIRST_SESSION and self.expiry_date is None

    def is_expired_on(self, today: date) -> bool:
        return rules.is_expired(self.expiry_date, today)

    def status_on(self, today: date) -> str:
        """deleted, completed, expired, inactive, active: first match wins (packages.rules)."""
        return rules.status(
            deleted=self.deleted_at is not None,
            remaining=self.remaining,
            expiry_date=self.expiry_date,
            is_active=self.is_active,
            today=today,
        )

    def near_completion_on(self, today: date, threshold: int) -> bool:
        return rules.is_near_completion(self.status_on(today), self.remaining, threshold)

    def expiring_soon_on(self, today: date) -> bool:
        return rules.is_expiring_soon(self.status_on(today), self.expiry_date, today)


class Transfer(models.Model):
    """A package moved from one client to another; sessions already logged stay where they were."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="+")
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="transfers")
    from_client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="transfers_out")
    to_client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="transfers_in")
    reason = models.CharField(max_length=500, blank=True)
    sessions_remaining = models.IntegerField(help_text="What moved with the package.")
    actor = models.ForeignKey(
        "studios.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["from_client", "package"], name="transfer_from_client")]

    def __str__(self):
        return f"{self.package} from {self.from_client} to {self.to_client}"


class Adjustment(models.Model):
    """Sessions added to or removed from a package by hand, with the reason (a comp, a correction).

    Counted like sessions: the package's sessions_used moves by -sessions in the same transaction,
    so sessions_used = counted session rows - the sum of adjustments (`check_counts` proves it).
    Adjustments are never edited or deleted: a mistake is corrected by the opposite adjustment.
    """

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="+")
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="adjustments")
    # Positive adds sessions to what is left, negative removes them.
    sessions = models.IntegerField()
    reason = models.CharField(max_length=500)
    actor = models.ForeignKey(
        "studios.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["package", "created_at"], name="adjustment_package")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(sessions=0) & Q(sessions__gte=-10_000, sessions__lte=10_000),
                name="adjustment_sessions_range",
            ),
        ]

    def __str__(self):
        return f"{self.sessions:+d} on {self.package_id}: {self.reason}"


class FreezeQuerySet(models.QuerySet):
    def overlapping(self, first: date, last: date):
        """Freezes that stand (not cancelled) and share at least one day with [first, last]."""
        return self.filter(cancelled=False, starts_on__lte=last, ends_on__gte=first)


class Freeze(models.Model):
    """A pause from one day to another (both included); the package's expiry moved out by its days."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="+")
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="freezes")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=500, blank=True)
    # How many days the expiry date actually moved (0 for a package without an expiry date).
    expiry_shift_days = models.IntegerField(default=0)
    actor = models.ForeignKey(
        "studios.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Ended early: ends_on was brought forward then. Cancelled: ended before it began, so no day
    # of it counts (the row stays, as the package history does).
    ended_at = models.DateTimeField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)

    objects = FreezeQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "id"]
        indexes = [models.Index(fields=["package", "starts_on"], name="freeze_package")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="freeze_dates"),
        ]

    def __str__(self):
        return f"{self.package_id} frozen {self.starts_on}–{self.ends_on}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def covers(self, day: date) -> bool:
        return not self.cancelled and self.starts_on <= day <= self.ends_on


class StudioTally(models.Model):
    """Exact running counts of a studio's rows, so that a list need not COUNT(*) them per page.

    live_packages: the studio's packages not soft-deleted. Moved only by packages.tallies, with one
    F() update in the same transaction as the package's create, delete or restore (the services
    call it), so it is exact; `tallies.drifted()` proves it. A studio without a row (made by a
    factory, say) is simply counted.
    """

    studio = models.OneToOneField(
        Studio, on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    live_packages = models.IntegerField(default=0)

    def __str__(self):
        return f"{self.studio_id}: {self.live_packages} live packages"
