"""Writes of data stewardship: a site's reporting schedule, and BJA's review of submitted months.

Each step of the review is one function — :func:`months_submitted`, :func:`months_approve`,
:func:`months_return`, :func:`months_unlock` — that changes the months' state, keeps one
:class:`MonthReviewEvent` (who, when, why) and returns it, so a later notification can hang off
exactly these calls. An approved month is locked: :func:`locked_months` names the months a file
may not touch (docs/metrics.md §10).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from metrics.intake.vocab import month_label
from metrics.models import (
    DataQualityFlag,
    FlagStatus,
    MonthlyCountRevision,
    MonthReview,
    MonthReviewEvent,
    Offense,
    ReportingSchedule,
    ReviewAction,
    ReviewState,
    Upload,
    UploadKind,
)
from psp.accounts.models import StaffRole
from psp.core import events

if TYPE_CHECKING:
    from psp.accounts.models import User
    from sites.models import Site


def can_review(user: User) -> bool:
    """Program managers (staff-wide ``bja_staff``) and admins approve, return and unlock months;
    liaisons submit them by uploading; auditors and partners only read."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_psp_admin or user.role == StaffRole.BJA_STAFF)


def _require_reviewer(user: User) -> None:
    if not can_review(user):
        raise ValidationError("Only program managers and administrators review submitted months.")


def months_text(months: Iterable[dt.date]) -> str:
    """``Jul 2026, Aug 2026``."""
    return ", ".join(month_label(m) for m in sorted(months))


@transaction.atomic
def schedule_save(
    *,
    site: Site,
    acting_user: User,
    due_days: int,
    offenses: Sequence[str],
    incidents_expected: bool,
    reporting_from: dt.date | None,
) -> ReportingSchedule:
    """Set ``site``'s reporting schedule: counts of ``offenses`` due ``due_days`` after month end
    from ``reporting_from`` (a month; empty = the engagement's start), and whether incident
    records are expected."""
    known = dict(Offense.objects.filter(code__in=offenses).values_list("code", "pk"))
    unknown = [c for c in offenses if c not in known]
    if unknown:
        raise ValidationError({"offenses": f"Not offense codes: {', '.join(unknown)}."})
    schedule, _ = ReportingSchedule.objects.select_for_update().get_or_create(site=site)
    schedule.due_days = due_days
    schedule.incidents_expected = incidents_expected
    schedule.reporting_from = reporting_from.replace(day=1) if reporting_from else None
    schedule.updated_by = acting_user
    schedule.updated_at = timezone.now()
    schedule.full_clean()
    schedule.save()
    schedule.offenses.set(list(known.values()))
    return schedule


def locked_months(site: Site, months: Iterable[dt.date]) -> list[dt.date]:
    """The months among ``months`` that are approved, hence locked against new files."""
    return sorted(
        MonthReview.objects.filter(
            site=site, month__in=list(months), state=ReviewState.APPROVED
        ).values_list("month", flat=True)
    )


def locked_message(months: Sequence[dt.date]) -> str:
    """The refusal a file touching approved months gets."""
    return (
        f"The file touches months already approved and locked: {months_text(months)}. Nothing "
        "was imported. Ask a program manager to unlock them (with a reason) before sending "
        "revised figures."
    )


def _record(
    site: Site,
    months: Sequence[dt.date],
    action: ReviewAction,
    acting_user: User | None,
    reason: str = "",
    upload: Upload | None = None,
) -> MonthReviewEvent:
    return MonthReviewEvent.objects.create(
        site=site,
        months=[m.isoformat() for m in sorted(months)],
        action=action,
        reason=reason,
        upload=upload,
        actor=acting_user,
    )


def _set_state(
    site: Site, months: Sequence[dt.date], state: ReviewState, user: User | None, comment: str
) -> None:
    now = timezone.now()
    for month in months:
        MonthReview.objects.update_or_create(
            site=site,
            month=month,
            defaults={"state": state, "comment": comment, "updated_by": user, "updated_at": now},
        )


def _reviews(site: Site, months: Iterable[dt.date]) -> dict[dt.date, MonthReview]:
    return {
        r.month: r
        for r in MonthReview.objects.select_for_update().filter(site=site, month__in=list(months))
    }


@transaction.atomic
def months_submitted(
    *,
    site: Site,
    months: Iterable[dt.date],
    acting_user: User | None,
    upload: Upload | None,
    reason: str = "",
) -> MonthReviewEvent | None:
    """Months a file just brought in (or revised) go to review: new and returned months become
    ``submitted``. Called by the import inside its transaction; ``None`` when no month.
    ``reason`` is the file's revision reason, kept in the history with the submission."""
    wanted = sorted({m.replace(day=1) for m in months})
    if not wanted:
        return None
    reviews = _reviews(site, wanted)
    locked = [m for m in wanted if m in reviews and reviews[m].is_locked]
    if locked:  # the import checked first; a concurrent approval is refused here too
        raise ValidationError(locked_message(locked))
    _set_state(site, wanted, ReviewState.SUBMITTED, acting_user, "")
    event = _record(site, wanted, ReviewAction.SUBMITTED, acting_user, reason, upload=upload)
    events.data_submitted.send(sender=MonthReviewEvent, event=event, site=site, actor=acting_user)
    return event


def _decide(
    site: Site,
    months: Iterable[dt.date],
    acting_user: User,
    *,
    allowed_from: tuple[ReviewState, ...],
    verb: str,
) -> list[dt.date]:
    _require_reviewer(acting_user)
    wanted = sorted({m.replace(day=1) for m in months})
    if not wanted:
        raise ValidationError({"months": f"Choose the months to {verb}."})
    reviews = _reviews(site, wanted)
    wrong = [m for m in wanted if m not in reviews or reviews[m].state not in allowed_from]
    if wrong:
        states = ", ".join(
            f"{month_label(m)} is "
            + (reviews[m].get_state_display().lower() if m in reviews else "not submitted")
            for m in wrong
        )
        raise ValidationError({"months": f"Cannot {verb}: {states}."})
    return wanted


@transaction.atomic
def months_approve(
    *, site: Site, months: Iterable[dt.date], acting_user: User, comment: str = ""
) -> MonthReviewEvent:
    """Accept submitted months: they become ``approved`` and locked against new files."""
    wanted = _decide(
        site, months, acting_user, allowed_from=(ReviewState.SUBMITTED,), verb="approve"
    )
    _set_state(site, wanted, ReviewState.APPROVED, acting_user, "")
    return _record(site, wanted, ReviewAction.APPROVED, acting_user, comment.strip())


@transaction.atomic
def months_return(
    *, site: Site, months: Iterable[dt.date], acting_user: User, comment: str
) -> MonthReviewEvent:
    """Send submitted months back to the site with a comment saying what to fix."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Say what the site should fix: the comment is required."})
    wanted = _decide(
        site, months, acting_user, allowed_from=(ReviewState.SUBMITTED,), verb="return"
    )
    _set_state(site, wanted, ReviewState.RETURNED, acting_user, comment)
    event = _record(site, wanted, ReviewAction.RETURNED, acting_user, comment)
    events.data_returned.send(sender=MonthReviewEvent, event=event, site=site, actor=acting_user)
    return event


@transaction.atomic
def months_unlock(
    *, site: Site, months: Iterable[dt.date], acting_user: User, reason: str
) -> MonthReviewEvent:
    """Reopen approved months (they go back to ``submitted``) so a revised file can come in."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"comment": "Give the reason for unlocking: it is kept."})
    wanted = _decide(site, months, acting_user, allowed_from=(ReviewState.APPROVED,), verb="unlock")
    _set_state(site, wanted, ReviewState.SUBMITTED, acting_user, "")
    return _record(site, wanted, ReviewAction.UNLOCKED, acting_user, reason)


@transaction.atomic
def flags_decide_bulk(
    *, site: Site, flag_ids: Sequence[int], acting_user: User, action: str, note: str
) -> int:
    """Confirm or resolve many of ``site``'s open flags with one note: all of them or none (a
    flag that is not the site's, or no longer open, refuses the whole batch)."""
    from metrics.services.quality import FLAG_ACTIONS, _apply_month_status

    note = (note or "").strip()
    errors: dict[str, str] = {}
    if action not in FLAG_ACTIONS:
        errors["action"] = "Choose confirm or resolve."
    if not note:
        errors["note"] = "Say why: the note is kept with each flag."
    ids = sorted(set(flag_ids))
    if not ids:
        errors["flags"] = "Select at least one flag."
    if errors:
        raise ValidationError(errors)
    flags = list(
        DataQualityFlag.objects.select_for_update().filter(
            site=site, pk__in=ids, status=FlagStatus.OPEN
        )
    )
    if len(flags) != len(ids):
        found = {f.pk for f in flags}
        missing = ", ".join(f"#{pk}" for pk in ids if pk not in found)
        raise ValidationError(
            {"flags": f"Nothing was changed: flags {missing} are not open flags of {site.name}."}
        )
    now = timezone.now()
    for flag in flags:
        flag.status = FLAG_ACTIONS[action]
        flag.note = note[:2000]
        flag.resolved_by = acting_user
        flag.resolved_at = now
    DataQualityFlag.objects.bulk_update(flags, ["status", "note", "resolved_by", "resolved_at"])
    _apply_month_status(site)
    return len(flags)


def file_months(upload: Upload) -> list[dt.date]:
    """The months a checked monthly-counts file holds (from its preview)."""
    return sorted(dt.date.fromisoformat(m[:7] + "-01") for m in upload.read_summary().stats.months)


def upload_locked_problem(upload: Upload) -> dict[str, object] | None:
    """The problem to list on the preview of a monthly-counts file that touches approved
    months (the file cannot be confirmed), or ``None``."""
    if upload.kind != UploadKind.MONTHLY_COUNTS:
        return None
    locked = locked_months(upload.site, file_months(upload))
    if not locked:
        return None
    return {
        "row": None,
        "column": "month",
        "value": months_text(locked),
        "message": locked_message(locked),
    }


def upload_months_submitted(upload: Upload) -> MonthReviewEvent | None:
    """After a monthly-counts import merged (inside its transaction): keep the file's revision
    reason on each value it revised and send the file's months to review. Refuses (rolling the
    import back) when a month was approved meanwhile."""
    if upload.kind != UploadKind.MONTHLY_COUNTS:
        return None
    if upload.revision_reason:
        MonthlyCountRevision.objects.filter(upload=upload, previous_value__isnull=False).update(
            reason=upload.revision_reason
        )
    return months_submitted(
        site=upload.site,
        months=file_months(upload),
        acting_user=upload.confirmed_by or upload.uploaded_by,
        upload=upload,
        reason=upload.revision_reason,
    )


def upload_confirm_with_reason(*, upload: Upload, acting_user: User, reason: str) -> Upload:
    """Confirm a checked upload after its preview; a file that would change values already
    submitted needs one reason, kept with each revision it makes (docs/metrics.md §10)."""
    from metrics.selectors.preview import preview_diff
    from metrics.services.uploads import upload_confirm

    reason = (reason or "").strip()
    diff = preview_diff(upload)
    if diff is not None and diff.needs_reason and not reason:
        raise ValidationError(
            {
                "revision_reason": f"This file changes {len(diff.revised)} value"
                f"{'s' if len(diff.revised) != 1 else ''} already submitted: say why "
                "(one reason for the file, kept with each revision)."
            }
        )
    if reason:
        Upload.objects.filter(pk=upload.pk).update(revision_reason=reason[:2000])
    return upload_confirm(upload=upload, acting_user=acting_user)
