"""People who use PSP Portfolio and their staff-wide role."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class StaffRole(models.TextChoices):
    """Roles that are not tied to a site (docs/design.md §1 and §3)."""

    ADMIN = "admin", "PSP administrator"
    BJA_STAFF = "bja_staff", "BJA staff"
    AUDITOR = "auditor", "Auditor (read-only)"
    NONE = "", "No staff-wide role"


class UserManager(BaseUserManager["User"]):
    """Creates users keyed by a normalised email address."""

    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, role=StaffRole.ADMIN)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address.

    ``role`` holds a staff-wide role (admin, BJA staff, auditor); site-scoped roles (liaison,
    partner) live in ``sites.SiteMembership``.
    """

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    title = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=StaffRole.choices, blank=True, default="")
    is_active = models.BooleanField(
        default=True, help_text="Clear this to remove all access while keeping history."
    )
    is_staff = models.BooleanField(
        "Django admin access", default=False, help_text="Can sign in to the Django admin."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[c.value for c in StaffRole]),
                name="user_role_valid",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_psp_admin(self) -> bool:
        """True for PSP administrators (and Django superusers)."""
        return self.is_active and (self.role == StaffRole.ADMIN or self.is_superuser)

    @property
    def sees_all_sites(self) -> bool:
        """Staff-wide roles see the whole portfolio."""
        return self.is_psp_admin or (
            self.is_active and self.role in (StaffRole.BJA_STAFF, StaffRole.AUDITOR)
        )


class InviteRole(models.TextChoices):
    """What an invitation grants: a staff-wide role, or a role on chosen sites."""

    ADMIN = "admin", "PSP administrator"
    BJA_STAFF = "bja_staff", "BJA staff"
    AUDITOR = "auditor", "Auditor (read-only)"
    LIAISON = "liaison", "Strategic site liaison / TTA (on chosen sites)"
    PARTNER = "partner", "Site partner, read-only (on chosen sites)"


SITE_INVITE_ROLES = (InviteRole.LIAISON, InviteRole.PARTNER)
INVITATION_LIFETIME = dt.timedelta(days=7)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class Invitation(models.Model):
    """A one-time, expiring link for a new person to set a password and join with a role.

    Only the SHA-256 of the random token is stored; the token itself exists in the email alone.
    """

    email = models.EmailField()
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=InviteRole.choices)
    sites = models.ManyToManyField("sites.Site", blank=True, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )

    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[c.value for c in InviteRole]),
                name="invitation_role_valid",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.get_role_display()})"

    def status(self, now: Any = None) -> str:
        """Pending, accepted, revoked, or expired (pending past its expiry)."""
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if (now or timezone.now()) >= self.expires_at:
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def get_status_display(self) -> str:
        return InvitationStatus(self.status()).label
