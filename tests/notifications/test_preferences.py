"""Preferences (every kind × channel) and the signed single-purpose unsubscribe link."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from notifications.models import Channel, Kind, Notification, OutboxEmail, Preference
from notifications.services import people
from notifications.services.emails import UNSUBSCRIBE_SALT, unsubscribe_token
from notifications.services.notify import notify
from notifications.services.recipients import CHOICES, channels

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", Kind.values)
@pytest.mark.parametrize("channel", Channel.values)
def test_every_kind_by_every_channel(kind, channel, site_a, liaison_a):
    if channel not in CHOICES[kind]:
        with pytest.raises(Exception, match="not one of its choices"):
            people.set_channel(liaison_a, kind, channel)
        return
    people.set_channel(liaison_a, kind, channel)
    notify(kind=kind, recipients=[liaison_a], site=site_a, obj=site_a, period="p", title="T")
    n = Notification.objects.filter(recipient=liaison_a, kind=kind).first()
    email = OutboxEmail.objects.filter(recipient=liaison_a, kind=kind)
    if channel == Channel.OFF:
        assert n is None and not email.exists()
    else:
        assert n is not None and n.channel == channel
        assert email.exists() == (channel == Channel.EMAIL)


def test_other_kinds_keep_their_defaults(liaison_a):
    people.set_channel(liaison_a, Kind.DATA_DUE_SOON, Channel.DIGEST)
    chosen = channels(liaison_a)
    assert chosen[Kind.DATA_DUE_SOON] == Channel.DIGEST
    assert chosen[Kind.DATA_OVERDUE] == Channel.EMAIL
    assert chosen[Kind.WATCHED_CHANGE] == Channel.IN_APP


def test_the_preferences_page_saves_and_names_a_bad_time_zone(client_for, liaison_a):
    c = client_for(liaison_a)
    url = reverse("notifications:preferences")
    assert c.get(url).status_code == 200
    data = {k: CHOICES[k][0] for k in Kind.values} | {"time_zone": "Mars/Olympus"}
    data[Kind.FLAG_RAISED] = "off"
    response = c.post(url, data)
    assert response.status_code == 200
    assert "“Mars/Olympus” is not an IANA time zone" in response.content.decode()
    assert not Preference.objects.exists()
    response = c.post(url, data | {"time_zone": "America/Denver"})
    assert response.status_code == 302
    assert channels(liaison_a)[Kind.FLAG_RAISED] == Channel.OFF
    assert liaison_a.digest_setting.time_zone == "America/Denver"


def test_unsubscribe_asks_then_turns_off_that_kind_only_without_signing_in(liaison_a):
    url = reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(liaison_a.pk, Kind.FLAG_RAISED)]
    )
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(url)
    assert page.status_code == 200 and "A data-quality flag was raised" in page.content.decode()
    assert channels(liaison_a)[Kind.FLAG_RAISED] == Channel.EMAIL  # GET changes nothing
    assert anonymous.post(url).status_code == 200
    chosen = channels(liaison_a)
    assert chosen[Kind.FLAG_RAISED] == Channel.OFF
    assert [k for k, c in chosen.items() if c == Channel.OFF] == [Kind.FLAG_RAISED]


def test_one_click_unsubscribe_from_a_mail_client(liaison_a):
    url = reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(liaison_a.pk, Kind.DATA_OVERDUE)]
    )
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert channels(liaison_a)[Kind.DATA_OVERDUE] == Channel.OFF


def test_a_link_cannot_be_altered_for_another_person_or_kind(liaison_a, liaison_b):
    token = unsubscribe_token(liaison_a.pk, Kind.FLAG_RAISED)
    payload, _, signature = token.rpartition(":")
    forged = [
        # the same signature on another person's or kind's payload
        signing.dumps(
            {"u": liaison_b.pk, "k": Kind.FLAG_RAISED}, salt=UNSUBSCRIBE_SALT, compress=True
        ).rsplit(":", 1)[0]
        + ":"
        + signature,
        signing.dumps(
            {"u": liaison_a.pk, "k": Kind.DATA_OVERDUE}, salt=UNSUBSCRIBE_SALT, compress=True
        ).rsplit(":", 1)[0]
        + ":"
        + signature,
        # a token signed for another purpose
        signing.dumps({"u": liaison_b.pk, "k": Kind.FLAG_RAISED}, salt="another.purpose"),
        token[:-2],
        "nonsense",
    ]
    for bad in forged:
        url = reverse("notifications:unsubscribe", args=[bad])
        assert Client().post(url).status_code == 404, bad
    assert not Preference.objects.exists()
