"""Issue 15 in Chromium: a liaison's overdue action item shows in the bell, its email arrives at
a real SMTP server, the liaison marks it read, and the email's unsubscribe link (opened without
signing in) turns that kind off. Every page passes axe."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import Channel, Kind
from notifications.services.due import notifications_due
from notifications.services.outbox import flush_outbox
from notifications.services.recipients import channels
from tests.e2e.conftest import assert_accessible, sign_in
from tests.engagements.factories import ActionItemFactory, EngagementFactory
from tests.factories import TEST_PASSWORD
from tests.notifications.conftest import smtp_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_overdue_action_item_bell_email_mark_read_and_unsubscribe(
    browser,
    live_server,
    page,
    smtp_server,  # noqa: F811 (the fixture imported above)
    settings,
    site_a,
    liaison_a,  # noqa: F811
):
    settings.PSP_BASE_URL = live_server.url
    today = timezone.localdate()
    ActionItemFactory(
        engagement=EngagementFactory(site=site_a),
        title="Stand up the shooting review",
        due_on=today - dt.timedelta(days=2),
    )
    notifications_due(today)  # its commit sends the outbox (eager Celery here)
    flush_outbox()  # nothing left: it was sent once

    [message] = smtp_server.messages
    assert message["To"] == liaison_a.email
    text = next(
        p.get_payload(decode=True).decode()
        for p in message.walk()
        if p.get_content_type() == "text/plain"
    )
    assert "Stand up the shooting review" in text
    unsubscribe = re.search(r"(http\S+/notifications/unsubscribe/\S+/)", text).group(1)

    sign_in(page, liaison_a.email, TEST_PASSWORD)
    bell = page.locator("#psp-bell")
    expect(bell).to_contain_text("1")
    bell.click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile("Stand up the shooting review"))
    ).to_be_visible()
    assert_accessible(page, "notifications-list")
    page.get_by_role("button", name=re.compile("Mark read")).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".psp-bell-count")).to_have_count(0)

    anonymous = browser.new_context(base_url=live_server.url)
    other = anonymous.new_page()
    other.goto(unsubscribe)
    expect(other.get_by_role("heading", name="Unsubscribe")).to_be_visible()
    assert_accessible(other, "notifications-unsubscribe")
    other.get_by_role("button", name=re.compile("Unsubscribe from")).click()
    expect(other.get_by_text("will no longer be told")).to_be_visible()
    anonymous.close()
    assert channels(liaison_a)[Kind.ACTION_ITEM_OVERDUE] == Channel.OFF

    page.goto("/notifications/preferences/")
    assert_accessible(page, "notifications-preferences")
