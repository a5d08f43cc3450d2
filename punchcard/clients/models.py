from django.db import models

from punchcard.studios.models import Studio


class ClientQuerySet(models.QuerySet):
    def for_studio(self, studio: Studio):
        return self.filter(studio=studio)

    def live(self):
        return self.filter(deleted_at__isnull=True)

    def search(self, q: str):
        q = (q or "").strip()
        if not q:
            return self
        return self.filter(models.Q(name__icontains=q) | models.Q(email__icontains=q))


class Client(models.Model):
    """A person who trains at the studio. Never signs in."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, max_length=254)
    phone = models.CharField(blank=True, max_length=40)
    notes = models.TextField(blank=True, max_length=5000)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # Lists are always one studio's clients sorted by name.
            models.Index(fields=["studio", "name", "id"], name="client_studio_name"),
        ]

    def __str__(self):
        return self.name
