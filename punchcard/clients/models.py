from django.db import models
from django.utils import timezone

from punchcard.core.models import StudioQuerySet
from punchcard.studios.models import Studio, hash_token


class ClientQuerySet(StudioQuerySet):
    def search(self, q: str):
        # No stored name or email holds NUL (forms and the API refuse it), and PostgreSQL cannot
        # even compare with it: a search box sending one must not be a 500.
        q = (q or "").replace("\x00", "").strip()
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


class BalanceLinkQuerySet(models.QuerySet):
    def for_token(self, raw: str):
        """The live link behind a raw token: found by hash; a removed client's link is gone too."""
        return self.filter(token_hash=hash_token(raw), client__deleted_at__isnull=True)


class BalanceLink(models.Model):
    """A private, revocable URL that shows one client their balance without signing in.

    Only the token's hash is stored (like ApiToken), so the URL can be shown once, at creation.
    One link per client: a new one replaces the old, whose URL then answers 404.
    """

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="+")
    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="balance_link")
    token_hash = models.CharField(max_length=64, unique=True)
    # Not auto_now_add: replacing a link rewrites the row, and "active since" must move with it.
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        "studios.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = BalanceLinkQuerySet.as_manager()

    def __str__(self):
        return f"Balance link for {self.client}"
