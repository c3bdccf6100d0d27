"""Writes for people: invitations (invite, re-send, revoke, accept) and deactivation.

Invitation tokens are 256-bit random values; only their SHA-256 is stored, so a database reader
cannot use a pending link. A link works once, for seven days, and not after it is revoked.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from psp.accounts.models import (
    INVITATION_LIFETIME,
    SITE_INVITE_ROLES,
    Invitation,
    InvitationStatus,
    InviteRole,
    User,
)

if TYPE_CHECKING:
    from sites.models import Site

logger = logging.getLogger(__name__)


def hash_token(token: str) -> str:
    """The stored form of an invitation token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def _send_invitation(invitation: Invitation, token: str, base_url: str) -> None:
    """Email the one-time link. A failure raises, so the caller's transaction rolls back."""
    link = base_url.rstrip("/") + reverse("accounts:invitation_accept", args=[token])
    context = {
        "invitation": invitation,
        "link": link,
        "sites": list(invitation.sites.all()),
        "expires_at": invitation.expires_at,
    }
    try:
        send_mail(
            subject="You are invited to PSP Portfolio",
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[invitation.email],
        )
    except OSError as exc:  # SMTP and socket errors
        logger.warning("Invitation email to %s failed: %s", invitation.email, exc)
        raise ValidationError(
            f"The invitation email to {invitation.email} could not be sent ({exc}); "
            "nothing was saved. Try again later."
        ) from exc


@transaction.atomic
def membership_invite(
    *,
    acting_user: User,
    email: str,
    full_name: str,
    role: str,
    sites: Sequence[Site] = (),
    base_url: str,
) -> Invitation:
    """Invite a new person by email with a staff-wide role, or as liaison/partner on ``sites``.

    Refuses an address that already has an account or a pending invitation (re-send that one
    instead). ``base_url`` is the scheme and host the link should use.
    """
    email = User.objects.normalize_email((email or "").strip()).lower()
    full_name = (full_name or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid email address."]
    if not full_name:
        errors["full_name"] = ["Give the person's name."]
    if role not in InviteRole.values:
        errors["role"] = [f"“{role}” is not a role."]
    elif role in SITE_INVITE_ROLES and not sites:
        errors["sites"] = ["Choose at least one site for a liaison or partner."]
    elif role not in SITE_INVITE_ROLES and sites:
        errors["sites"] = ["Staff-wide roles see every site; leave the sites empty."]
    if not errors.get("email"):
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            state = "an active" if existing.is_active else "a deactivated"
            errors["email"] = [f"{email} already has {state} account; manage it on its page."]
        elif any(
            i.status() == InvitationStatus.PENDING
            for i in Invitation.objects.filter(email__iexact=email)
        ):
            errors["email"] = [f"{email} already has a pending invitation; re-send it instead."]
    if errors:
        raise ValidationError(errors)
    token, digest = _new_token()
    now = timezone.now()
    invitation = Invitation(
        email=email,
        full_name=full_name,
        role=role,
        token_hash=digest,
        created_by=acting_user,
        created_at=now,
        sent_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    invitation._history_user = acting_user  # type: ignore[attr-defined]
    invitation.save()
    invitation.sites.set(sites)
    _send_invitation(invitation, token, base_url)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, acting_user: User, base_url: str) -> Invitation:
    """Send a fresh link (the old one stops working) valid for another seven days."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status() in (InvitationStatus.ACCEPTED, InvitationStatus.REVOKED):
        raise ValidationError(
            f"This invitation was {invitation.get_status_display().lower()}; it cannot be re-sent."
        )
    token, digest = _new_token()
    now = timezone.now()
    invitation.token_hash = digest
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    invitation._history_user = acting_user  # type: ignore[attr-defined]
    invitation.save()
    _send_invitation(invitation, token, base_url)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, acting_user: User) -> Invitation:
    """Withdraw a pending (or expired) invitation so its link never works."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status() == InvitationStatus.ACCEPTED:
        raise ValidationError("This invitation was already accepted; deactivate the user instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.revoked_by = acting_user
        invitation._history_user = acting_user  # type: ignore[attr-defined]
        invitation.save()
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link points to, whatever its status (None for an unknown token)."""
    if not token or len(token) > 100:
        return None
    return Invitation.objects.filter(token_hash=hash_token(token)).first()


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Create the invited person's account with ``password`` and give them their role.

    The password must pass Django's validators (AUTH_PASSWORD_VALIDATORS). The link is used up.
    """
    from sites.models import MembershipRole
    from sites.services import membership_add

    found = invitation_for_token(token)
    if found is None:
        raise ValidationError("This invitation link is not valid.", code="unknown")
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    status = invitation.status()
    if status != InvitationStatus.PENDING:
        raise ValidationError(f"This invitation is {status}.", code=status)
    full_name = (full_name or "").strip() or invitation.full_name
    staff_role = "" if invitation.role in SITE_INVITE_ROLES else invitation.role
    candidate = User(email=invitation.email, full_name=full_name, role=staff_role)
    validate_password(password, user=candidate)  # raises ValidationError with Django's messages
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(f"{invitation.email} already has an account; sign in instead.")
    user = User.objects.create_user(
        invitation.email, password, full_name=full_name, role=staff_role
    )
    if invitation.role in SITE_INVITE_ROLES:
        for site in invitation.sites.all():
            membership_add(
                site=site, user=user, role=MembershipRole(invitation.role), acting_user=user
            )
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation._history_user = user  # type: ignore[attr-defined]
    invitation.save()
    return user


@transaction.atomic
def user_deactivate(*, user: User, acting_user: User) -> User:
    """Remove all access at once (their next request is signed out); history keeps their name."""
    if user.pk == acting_user.pk:
        raise ValidationError("You cannot deactivate your own account.")
    if user.is_active:
        user.is_active = False
        user._history_user = acting_user  # type: ignore[attr-defined]
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_reactivate(*, user: User, acting_user: User) -> User:
    """Give a deactivated person their access back (same roles and sites as before)."""
    if not user.is_active:
        user.is_active = True
        user._history_user = acting_user  # type: ignore[attr-defined]
        user.save(update_fields=["is_active"])
    return user
