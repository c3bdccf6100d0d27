"""Demo mode keeps `make run` usable with the second factor on (issue 21 M4)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from psp.demo.sites import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_demo_admins_and_staff_have_the_demo_app_and_the_output_says_how(demo_seed, settings):
    assert "manage.py demo_mfa_code" in demo_seed.output
    with_app = set(TOTPDevice.objects.values_list("user__email", flat=True))
    assert {"admin@psp.example", "pm@psp.example", "pm2@psp.example"} <= with_app
    assert "liaison@psp.example" not in with_app  # quiet: nobody else gets one
    settings.DEMO_MODE = True
    out = io.StringIO()
    call_command("demo_mfa_code", stdout=out)
    client = Client()
    client.post(
        reverse("accounts:login"), {"username": "pm@psp.example", "password": DEMO_PASSWORD}
    )
    response = client.post(reverse("accounts:mfa_verify"), {"code": out.getvalue().strip()})
    assert response.status_code == 302
    assert client.get(reverse("dashboards:portfolio")).status_code == 200


def test_the_demo_code_command_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="PSP_DEMO=1"):
        call_command("demo_mfa_code")
