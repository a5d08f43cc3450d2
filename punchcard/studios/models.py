import hashlib
import secrets
import zoneinfo

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)


class User(AbstractUser):
    """A person who signs in with an email address; belongs to one studio through Membership."""

    username = None
    email = models.EmailField("email address", unique=True)
    # Raised when a member is deactivated: the sign-in sessions they had must stay ended when an
    # owner reactivates them (is_active alone would let an old session cookie work again).
    session_epoch = models.PositiveIntegerField(default=0)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []
    objects = UserManager()

    def __str__(self):
        return self.email

    # A session keeps the hash it was signed in with and ends when the user's hash changes: with
    # a new password (Django's own rule) and, through the epoch, with a deactivation. Epoch 0
    # keeps Django's hash, so the sessions of members never deactivated are not touched.
    def get_session_auth_hash(self):
        return self._with_epoch(super().get_session_auth_hash())

    def get_session_auth_fallback_hash(self):
        for value in super().get_session_auth_fallback_hash():
            yield self._with_epoch(value)

    def _with_epoch(self, value: str) -> str:
        return f"{value}.{self.session_epoch}" if self.session_epoch else value


TIMEZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones())


class Studio(models.Model):
    """The tenant: everything else belongs to exactly one studio."""

    name = models.CharField(max_length=120)
    currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code such as USD.")],
    )
    timezone = models.CharField(max_length=64, default="UTC", choices=TIMEZONE_CHOICES)
    low_balance_threshold = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(0), MaxValueValidator(1000)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.timezone)

    def today(self):
        """Today's date where the studio is, not where the server is."""
        return timezone.localdate(timezone=self.tzinfo)


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        TRAINER = "trainer", "Trainer"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.TRAINER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["studio", "role"])]

    def __str__(self):
        return f"{self.user} ({self.role}) at {self.studio}"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


def hash_token(raw: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the token is shown once."""

    PREFIX = "pc_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, default="API token")
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="The first characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
