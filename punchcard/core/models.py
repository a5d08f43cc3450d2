from django.db import models


class StudioQuerySet(models.QuerySet):
    """The two filters every tenant-owned, soft-deletable model needs; look-ups start here."""

    def for_studio(self, studio):
        return self.filter(studio=studio)

    def live(self):
        return self.filter(deleted_at__isnull=True)
