"""Receivers of the events in :mod:`psp.core.events`: each writes its notifications in the
transaction of the event (the services send the signals inside ``transaction.atomic``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from notifications.models import Kind
from notifications.services import recipients as who
from notifications.services.notify import notify
from psp.core import events


def _watchers(site: Any, request_id: int | None, already: list[Any], actor: Any) -> list[Any]:
    told = {u.pk for u in already}
    watching = who.site_watchers(site)
    if request_id is not None:
        watching += who.request_watchers(request_id)
    return [u for u in who.unique(watching, exclude=actor) if u.pk not in told]


def _tell(
    kind: Kind,
    people: list[Any],
    *,
    site: Any,
    obj: Any,
    period: str,
    title: str,
    body: str,
    url: str,
    actor: Any,
    request_id: int | None = None,
) -> None:
    people = who.unique(people, exclude=actor)
    notify(
        kind=kind,
        recipients=people,
        site=site,
        obj=obj,
        period=period,
        title=title,
        body=body,
        url=url,
    )
    notify(
        kind=Kind.WATCHED_CHANGE,
        recipients=_watchers(site, request_id, people, actor),
        site=site,
        obj=obj,
        period=f"{kind}:{period}",
        title=title,
        body=body,
        url=url,
    )


def _about_request(request: Any, event: Any, site: Any) -> dict[str, Any]:
    return {
        "site": site,
        "obj": request,
        "period": f"event:{event.pk}",
        "title": f"TA request {request.get_status_display().lower()} for {site.name}: "
        f"{request.core_area.name}",
        "body": event.note or request.need,
        "url": reverse("engagements:ta_request", args=[request.pk]),
    }


def on_ta_request_submitted(*, request: Any, event: Any, site: Any, actor: Any, **_: Any) -> None:
    about = _about_request(request, event, site)
    _tell(
        Kind.TA_REQUEST_SUBMITTED,
        who.program_managers(site),
        actor=actor,
        request_id=request.pk,
        **about,
    )


def on_ta_request_decided(*, request: Any, event: Any, site: Any, actor: Any, **_: Any) -> None:
    people = who.liaisons(site)
    if request.requested_by_id and request.requested_by.is_active:
        people.append(request.requested_by)
    about = _about_request(request, event, site) | {"body": event.note}
    _tell(Kind.TA_REQUEST_DECIDED, people, actor=actor, request_id=request.pk, **about)


def on_ta_request_changed(*, request: Any, event: Any, site: Any, actor: Any, **_: Any) -> None:
    people = _watchers(site, request.pk, [], actor)
    notify(kind=Kind.WATCHED_CHANGE, recipients=people, **_about_request(request, event, site))


def _on_review(kind: Kind, verb: str) -> Any:
    """The receiver of months submitted (the program manager hears) or returned (the liaisons
    hear, with the comment)."""

    def receive(*, event: Any, site: Any, actor: Any, **_: Any) -> None:
        from metrics.services.stewardship import months_text

        months = months_text(dt.date.fromisoformat(m) for m in event.months)
        people = who.program_managers(site) if kind == Kind.DATA_SUBMITTED else who.liaisons(site)
        _tell(
            kind,
            people,
            site=site,
            obj=event,
            period="event",
            title=f"Data {verb} {site.name}: {months}",
            body=event.reason,
            url=reverse("metrics:data", args=[site.slug]),
            actor=actor,
        )

    return receive


on_data_submitted = _on_review(Kind.DATA_SUBMITTED, "submitted for review by")
on_data_returned = _on_review(Kind.DATA_RETURNED, "returned to")


def on_flags_raised(*, flag_ids: list[int], site: Any, actor: Any, **_: Any) -> None:
    from metrics.models import DataQualityFlag

    flags = list(DataQualityFlag.objects.filter(pk__in=flag_ids).order_by("pk"))
    if not flags:
        return
    first = flags[0]
    more = f" and {len(flags) - 1} more" if len(flags) > 1 else ""
    _tell(
        Kind.FLAG_RAISED,
        who.liaisons(site),
        site=site,
        obj=first,
        period="raised",
        title=f"Data-quality flag raised for {site.name}: {first.rule}{more}",
        body="\n".join(f.detail for f in flags[:10]),
        url=first.get_absolute_url(),
        actor=actor,
    )


def connect() -> None:
    uid = "notifications"
    events.ta_request_submitted.connect(on_ta_request_submitted, dispatch_uid=uid)
    events.ta_request_decided.connect(on_ta_request_decided, dispatch_uid=uid)
    events.ta_request_changed.connect(on_ta_request_changed, dispatch_uid=uid)
    events.data_submitted.connect(on_data_submitted, dispatch_uid=uid)
    events.data_returned.connect(on_data_returned, dispatch_uid=uid)
    events.flags_raised.connect(on_flags_raised, dispatch_uid=uid)
