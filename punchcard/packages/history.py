"""What the audit library (django-simple-history) records beside each package change."""

from django.db import models
from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record


class PackageHistoryFields(models.Model):
    """Extra columns on every historical package row: the action in our words, and why."""

    history_action = models.CharField(max_length=20, default="updated")
    # Text, not a bounded column: services compose it from a reason the user gave and their own words.
    history_reason = models.TextField(blank=True, default="")

    class Meta:
        abstract = True


@receiver(pre_create_historical_record)
def _stamp_action(sender, instance, history_instance, **kwargs):
    # Services set these on the instance before save(); simple-history copies them here.
    if hasattr(history_instance, "history_action"):
        default = "created" if history_instance.history_type == "+" else "updated"
        history_instance.history_action = getattr(instance, "_history_action", None) or default
        history_instance.history_reason = getattr(instance, "_history_reason", "") or ""
