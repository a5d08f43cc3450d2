from django import forms
from django.utils import timezone

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

    def __init__(self, *args, client=None, studio=None, **kwargs):
        super().__init__(*args, **kwargs)
        if client is not None:
            self.fields["package"].queryset = (
                Package.objects.for_studio(studio).live().filter(client=client)
            )
            self.fields["package"].label_from_instance = lambda p: (
                f"{p.name} · {p.sessions_used} of {p.total_sessions} used"
            )
        if studio is not None and not self.is_bound and "starts_at" not in self.initial:
            self.initial["starts_at"] = timezone.localtime(timezone=studio.tzinfo).replace(
                second=0, microsecond=0
            )


class SessionFilterForm(forms.Form):
    client = forms.IntegerField(required=False, widget=forms.HiddenInput)
    package = forms.IntegerField(required=False, widget=forms.HiddenInput)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
