from datetime import UTC, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from punchcard.core.api import EARLIEST_MOMENT, LATEST_MOMENT
from punchcard.packages.models import Package
from punchcard.training.models import TrainingSession


class SessionForm(forms.Form):
    """Log or correct a session. The package list is the client's live packages."""

    package = forms.ModelChoiceField(
        label="Count against package",
        queryset=Package.objects.none(),
        required=False,
        empty_label="No package (not covered)",
    )
    starts_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", min_value=1, max_value=1440, initial=60
    )
    status = forms.ChoiceField(
        label="Status", choices=TrainingSession.Status.choices, initial="completed"
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, client=None, studio=None, current_package_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The time is typed and shown in the studio's zone, not the server's (UTC): parsed under
        # it in full_clean, shown as a naive local time (an aware one would render in UTC).
        self.tzinfo = studio.tzinfo if studio is not None else None
        if client is not None:
            packages = Package.objects.for_studio(studio).live().filter(client=client)
            if current_package_id is not None:
                # An edited session keeps the package it counts against, even one moved to
                # another client since (or deleted): offering only the client's own would
                # quietly take it off on save.
                packages |= Package.objects.for_studio(studio).filter(pk=current_package_id)
            self.fields["package"].queryset = packages.select_related("client")
            self.fields["package"].label_from_instance = lambda p: _package_label(p, client)
        if studio is not None and not self.is_bound and "starts_at" not in self.initial:
            self.initial["starts_at"] = timezone.localtime(timezone=studio.tzinfo).replace(
                second=0, microsecond=0
            )
        starts_at = self.initial.get("starts_at")
        if self.tzinfo and isinstance(starts_at, datetime) and timezone.is_aware(starts_at):
            self.initial["starts_at"] = timezone.make_naive(starts_at, self.tzinfo)

    def full_clean(self):
        if self.tzinfo is None:
            return super().full_clean()
        with timezone.override(self.tzinfo):
            return super().full_clean()

    def clean_starts_at(self):
        # The API's bounds: an instant every studio's zone can show, and both databases store.
        value = self.cleaned_data["starts_at"]
        try:
            moment = value.astimezone(UTC)
        except OverflowError:
            moment = None
        if moment is None or not EARLIEST_MOMENT <= moment <= LATEST_MOMENT:
            raise ValidationError("Use a date and time between 0001-01-02 and 9999-12-30.")
        return value


def _package_label(package: Package, client) -> str:
    label = f"{package.name} · {package.sessions_used} of {package.total_sessions} used"
    if package.deleted_at is not None:
        return f"{label} · deleted"
    if package.client_id != client.pk:
        return f"{label} · now held by {package.client.name}"
    return label


# Ids past this are no row's (and past 2**63 no database's integer): a filter that makes no sense.
MAX_ID = 2**62


class SessionFilterForm(forms.Form):
    client = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    package = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
