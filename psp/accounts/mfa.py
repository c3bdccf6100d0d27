"""Second factor (issue 21 M4; docs/decisions/0009-mfa.md): TOTP apps, security keys (WebAuthn)
and single-use recovery codes, on django-otp and django-otp-webauthn.

Required for the staff-wide roles in ``PSP_MFA_REQUIRED_ROLES`` (admins and BJA staff), offered
to everyone: whoever has a confirmed factor is asked for it at every sign-in.

The session remembers where the person stands (``SESSION_KEY``), so the middleware needs no
query on an ordinary request: set at sign-in, cleared to "verified" once a factor is checked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from psp.accounts.models import User

logger = logging.getLogger(__name__)

SESSION_KEY = "psp_mfa"
PENDING, VERIFIED, NOT_NEEDED = "pending", "verified", "not_needed"
RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"


def webauthn_rp_id(request: HttpRequest) -> str:
    """The WebAuthn relying party: PSP_WEBAUTHN_RP_ID, else the host of the request."""
    rp_id: str = settings.PSP_WEBAUTHN_RP_ID or request.get_host().split(":")[0]
    return rp_id


def is_required_for(user: User) -> bool:
    """Whether the person's staff-wide role must use a second factor."""
    return user.role in settings.PSP_MFA_REQUIRED_ROLES


def has_factor(user: User) -> bool:
    """A confirmed TOTP app or security key (recovery codes alone do not count)."""
    return bool(
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


@receiver(user_logged_in, dispatch_uid="psp_mfa_sign_in")
def _on_sign_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Every sign-in starts unverified when a second factor is required or enrolled."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = (
            PENDING if is_required_for(user) or has_factor(user) else NOT_NEEDED
        )


def session_state(request: HttpRequest, user: User) -> str:
    """ "pending", "verified" or "not_needed" for this signed-in session (a session from before
    this state existed, or someone made admin since they signed in, counts as pending)."""
    state = request.session.get(SESSION_KEY)
    if state == VERIFIED:
        return VERIFIED
    if state == NOT_NEEDED and not is_required_for(user):
        return NOT_NEEDED
    if state is None and not is_required_for(user) and not has_factor(user):
        request.session[SESSION_KEY] = NOT_NEEDED
        return NOT_NEEDED
    return PENDING


def mark_verified(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = VERIFIED


def verify_code(request: HttpRequest, user: User, code: str) -> bool:
    """Check a 6-digit TOTP code or a recovery code (used once) against the person's devices;
    on success the session is verified. Wrong codes slow further attempts (django-otp
    throttling: each failure doubles the wait)."""
    token = "".join(code.split()).lower()
    if not token:
        return False
    device = match_token(user, token)
    if device is None:
        return False
    otp_login(request, device)
    mark_verified(request)
    return True


@dataclass
class TotpEnrolment:
    device: TOTPDevice
    secret: str  # base32, for typing into an app by hand
    qr_svg: str  # inline SVG (no external service, no CDN)


def totp_start(user: User) -> TotpEnrolment:
    """A new unconfirmed TOTP device (replacing an earlier unconfirmed one) and its QR code."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return totp_enrolment(device)


def totp_enrolment(device: TOTPDevice) -> TotpEnrolment:
    from base64 import b32encode

    url = device.config_url
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=4, title="QR code for your authenticator app")
    secret = b32encode(device.bin_key).decode()
    return TotpEnrolment(device=device, secret=secret, qr_svg=svg)


def totp_confirm(request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """Confirm the app by a code it shows; the session counts as verified."""
    token = "".join(code.split())
    if not token.isdigit() or not device.verify_token(token):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    otp_login(request, device)
    mark_verified(request)
    logger.info("Second factor: %s set up an authenticator app", device.user.email)
    return True


def recovery_codes_new(user: User) -> list[str]:
    """Ten fresh single-use recovery codes (earlier ones stop working)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def factors_for(user: User) -> list[Any]:
    """The person's confirmed factors, for the settings page and the admin."""
    return [d for d in devices_for_user(user, confirmed=True) if not isinstance(d, StaticDevice)]


def factor_remove(*, user: User, kind: str, pk: int) -> None:
    """Remove one of one's own factors. Someone whose role requires a second factor keeps at
    least one (``ValueError`` otherwise); with none left, recovery codes go too."""
    model = {"totp": TOTPDevice, "webauthn": WebAuthnCredential}.get(kind)
    if model is None:
        raise ValueError("Unknown kind of second factor.")
    device = model.objects.filter(user=user, pk=pk, confirmed=True).first()
    if device is None:
        raise ValueError("That second factor does not exist or is not yours.")
    if is_required_for(user) and len(factors_for(user)) <= 1:
        raise ValueError(
            "Your role requires a second factor: add another one before removing this one."
        )
    with transaction.atomic():
        device.delete()
        if not factors_for(user):
            StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def factors_reset(*, user: User, acting_user: User) -> int:
    """An administrator removes all of someone's second factors and recovery codes (a lost
    phone or key); recorded in the account's change history. Their next sign-in asks them to
    set up a factor again if their role requires one. Returns how many were removed."""
    removed = len(factors_for(user))
    for model in (TOTPDevice, WebAuthnCredential, StaticDevice):
        model.objects.filter(user=user).delete()
    user._history_user = acting_user  # type: ignore[attr-defined]
    user._change_reason = f"Second factors reset by {acting_user.email}"  # type: ignore[attr-defined]
    user.save(update_fields=["is_active"])
    logger.warning("Second factor: %s reset the factors of %s", acting_user.email, user.email)
    return removed
