"""Forms for the package pages. They parse input only; every write goes through services.

Field names are the API's (total_value, total_sessions, client_id, ...) so that a service's
ValidationError lands next to the right field through core.forms.add_service_errors.
"""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from punchcard.clients.models import Client
from punchcard.core import money
from punchcard.packages.models import ExpiryRule, Package, PackageType
from punchcard.packages.selectors import SORTS
from punchcard.packages.services.checks import MAX_SESSIONS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MoneyField(forms.Field):
    """A "1200.00" text box parsed with core.money.parse_money (never a float)."""

    widget = forms.TextInput(
        attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}
    )

    def to_python(self, value) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return money.parse_money(str(value))
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


def per_session_preview(total_value, total_sessions, currency: str) -> str | None:
    """The per-session value for what is typed so far, or None while it can't be computed.

    Rounded by core.money exactly as the stored value will be.
    """
    try:
        cents = money.to_cents(money.parse_money(str(total_value or "").strip()))
        sessions = int(str(total_sessions or "").strip())
    except (ValueError, TypeError):
        return None
    if not 1 <= sessions <= MAX_SESSIONS:
        return None
    return money.format_money(money.per_session_cents(cents, sessions), currency)


class PackageForm(forms.Form):
    package_type_id = forms.ModelChoiceField(
        queryset=PackageType.objects.none(),
        required=False,
        label="Start from a package type",
        empty_label="None: enter the details by hand",
        help_text="Fills in the name, value, sessions and expiry below; you can still change them.",
    )
    client_id = forms.ModelChoiceField(
        queryset=Client.objects.none(),
        label="Client",
        error_messages={
            "required": "Choose the client who bought it.",
            "invalid_choice": "Choose one of your clients.",
        },
    )
    name = forms.CharField(
        max_length=120,
        required=False,
        label="Package name",
        help_text="Leave it empty to call it “12 sessions”.",
    )
    description = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    total_value = MoneyField(label="Total value", help_text="What the client paid, e.g. 1200.00")
    total_sessions = forms.IntegerField(
        min_value=1,
        max_value=MAX_SESSIONS,
        label="Total sessions",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": MAX_SESSIONS}),
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    is_primary = forms.BooleanField(
        required=False,
        label="Primary package",
        help_text="Sessions logged without choosing a package count against this one.",
    )
    start_date = forms.DateField(required=False, widget=DATE_INPUT, help_text="Optional.")
    expiry_date = forms.DateField(
        required=False,
        widget=DATE_INPUT,
        help_text="Optional. Afterwards the package shows as expired; sessions can still be logged.",
    )

    def __init__(self, *args, studio, package: Package | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.studio = studio
        types = PackageType.objects.for_studio(studio)
        offered = Q(deleted_at__isnull=True)
        if package is not None and package.package_type_id:
            # A package keeps its type after the type is retired; editing must not drop it.
            offered |= Q(pk=package.package_type_id)
        self.fields["package_type_id"].queryset = types.filter(offered)
        self.fields["total_value"].label = f"Total value ({studio.currency})"
        if package is None:
            self.fields["client_id"].queryset = Client.objects.for_studio(studio).live()
        else:
            # The holder changes only through a transfer, which keeps the history straight.
            del self.fields["client_id"]

    def clean(self):
        data = super().clean()
        start, expiry = data.get("start_date"), data.get("expiry_date")
        if start and expiry and expiry < start:
            self.add_error("expiry_date", "The expiry date cannot be before the start date.")
        return data

    def live_preview(self, url: str) -> None:
        """Let htmx ask `url` (this form's page) to re-render parts of the form as it is filled in.

        Choosing a type re-renders the fields it fills; typing the value or the sessions
        re-renders the per-session value, computed on the server so it rounds as stored.
        """
        self.fields["package_type_id"].widget.attrs.update(
            {
                "hx-get": url,
                "hx-trigger": "change",
                "hx-target": "#package-details",
                "hx-swap": "outerHTML",
                "hx-include": "#package-details",
            }
        )
        for name in ("total_value", "total_sessions"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": url,
                    "hx-trigger": "input changed delay:200ms",
                    "hx-target": "#per-session-value",
                    "hx-include": "#id_total_value, #id_total_sessions",
                    # Both inputs share one queue, so a slow answer for an older value never wins.
                    "hx-sync": "#per-session-value:replace",
                }
            )

    @property
    def detail_fields(self):
        """The fields a package type fills in: re-rendered together when a type is chosen."""
        names = (
            "name",
            "description",
            "total_value",
            "total_sessions",
            "start_date",
            "expiry_date",
        )
        return [self[name] for name in names]

    @property
    def flag_fields(self):
        return [self["is_active"], self["is_primary"]]

    def service_kwargs(self) -> dict:
        """cleaned_data in the services' keyword names."""
        data = dict(self.cleaned_data)
        data["package_type"] = data.pop("package_type_id")
        if "client_id" in data:
            data["client"] = data.pop("client_id")
        return data


def package_initial(package: Package) -> dict:
    return {
        "package_type_id": package.package_type_id,
        "name": package.name,
        "description": package.description,
        "total_value": money.from_cents(package.total_value_cents),
        "total_sessions": package.total_sessions,
        "is_active": package.is_active,
        "is_primary": package.is_primary,
        "start_date": package.start_date,
        "expiry_date": package.expiry_date,
    }


def type_initial(package_type: PackageType, *, start_date=None, today=None) -> dict:
    """What choosing a type fills in: the same rule as services.package_create."""
    initial = {
        "package_type_id": package_type.pk,
        "name": package_type.name,
        "description": package_type.description,
        "total_value": money.from_cents(package_type.total_value_cents),
        "total_sessions": package_type.total_sessions,
    }
    if package_type.validity_days and package_type.expiry_rule == ExpiryRule.FROM_SALE:
        start_date = start_date or today
        initial["start_date"] = start_date
        initial["expiry_date"] = start_date + timedelta(days=package_type.validity_days)
    return initial


class TransferForm(forms.Form):
    client_id = forms.ModelChoiceField(
        queryset=Client.objects.none(),
        label="New holder",
        error_messages={
            "required": "Choose the client who takes over the package.",
            "invalid_choice": "Choose one of your clients.",
        },
    )
    reason = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the history of both clients, e.g. “Gift to her sister”.",
    )

    def __init__(self, *args, studio, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client_id"].queryset = Client.objects.for_studio(studio).live()


class PackageTypeForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    total_sessions = forms.IntegerField(
        min_value=1,
        max_value=MAX_SESSIONS,
        label="Sessions",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": MAX_SESSIONS}),
    )
    total_value = MoneyField(label="Price", help_text="e.g. 1200.00")
    validity_days = forms.IntegerField(
        min_value=1,
        max_value=3650,
        required=False,
        label="Valid for (days)",
        help_text="Packages sold from this type expire this many days after they start. Empty: no expiry.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 3650}),
    )
    expiry_rule = forms.TypedChoiceField(
        choices=ExpiryRule.choices,
        initial=ExpiryRule.FROM_SALE,
        required=False,
        empty_value=ExpiryRule.FROM_SALE,
        label="Validity counts",
        help_text="From the first session: the expiry is set when the client's first session is logged.",
    )
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="Offered",
        help_text="Types not offered stay on packages already sold.",
    )

    def __init__(self, *args, studio, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["total_value"].label = f"Price ({studio.currency})"


def type_form_initial(package_type: PackageType) -> dict:
    return {
        "name": package_type.name,
        "description": package_type.description,
        "total_sessions": package_type.total_sessions,
        "total_value": money.from_cents(package_type.total_value_cents),
        "validity_days": package_type.validity_days,
        "expiry_rule": package_type.expiry_rule,
        "is_active": package_type.is_active,
    }


# The list's filters -----------------------------------------------------------------------------

ACTIVE_CHOICES = [("", "Any"), ("yes", "Active only"), ("no", "Inactive only")]
SORT_CHOICES = [(key, key) for name in SORTS for key in (name, f"-{name}")]
DEFAULT_SORT = "-created_at"


class PackageFilterForm(forms.Form):
    """The list's query string. Invalid values are dropped (and named), never a 500."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    client_id = forms.IntegerField(required=False, min_value=1, label="Client")
    # Short: shown under the select, beside the others (the alert below the form says the rest).
    active = forms.ChoiceField(
        required=False,
        choices=ACTIVE_CHOICES,
        label="Active flag",
        error_messages={"invalid_choice": "Ignored: not a choice here."},
    )
    status = forms.ChoiceField(
        required=False,
        label="Status",
        error_messages={"invalid_choice": "Ignored: not a status."},
    )
    include_deleted = forms.BooleanField(required=False, label="Include deleted")
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def __init__(self, *args, is_owner: bool, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = [(value, label) for value, label in Package.Status.choices]
        if not is_owner:
            # Trainers never see deleted packages (product.md: owners delete and restore).
            statuses = [s for s in statuses if s[0] != Package.Status.DELETED]
            del self.fields["include_deleted"]
        self.fields["status"].choices = [("", "Any status"), *statuses]

    def value(self, name: str, default=None):
        """The cleaned value of one filter, or the default when it was missing or invalid."""
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def ignored(self) -> list[str]:
        """Human-readable notes on the filters that were dropped because they made no sense."""
        self.is_valid()
        notes = []
        for name in self.errors:
            if name in self.fields:
                raw = self.data.get(name, "")
                notes.append(f"{self.fields[name].label or name.title()} “{raw}”")
        return notes


class AdjustmentForm(forms.Form):
    """Sessions added or removed by hand; the sign comes from the direction, not a minus sign."""

    prefix = "adjust"  # it shares the package page with the transfer and freeze forms

    direction = forms.ChoiceField(
        choices=[("add", "Add sessions"), ("remove", "Remove sessions")],
        widget=forms.RadioSelect,
        initial="add",
        error_messages={"required": "Choose add or remove."},
    )
    sessions = forms.IntegerField(
        min_value=1,
        max_value=10_000,
        initial=1,
        label="How many sessions",
        error_messages={"invalid": "Enter a whole number of sessions, e.g. 1."},
    )
    reason = forms.CharField(
        max_length=500,
        label="Reason for the adjustment",
        help_text="Required, kept in the history: “Comp for a referral”, “Session not logged in March”.",
        error_messages={"required": "Say why (a comp session, a correction…)."},
    )

    def signed_sessions(self) -> int:
        sessions = self.cleaned_data["sessions"]
        return sessions if self.cleaned_data["direction"] == "add" else -sessions


class FreezeForm(forms.Form):
    prefix = "freeze"

    starts_on = forms.DateField(
        label="First frozen day",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date such as 2026-12-01."},
    )
    ends_on = forms.DateField(
        label="Last frozen day",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date such as 2026-12-14."},
    )
    reason = forms.CharField(
        max_length=500,
        required=False,
        label="Reason for the freeze",
        help_text="Optional, kept in the history: “Knee injury”, “Holiday”.",
    )
