"""Data stewardship on a site's Data page: the reporting schedule (administrators), the review of
submitted months (program managers and administrators) and deciding many flags at once.

Thin views: permission → form → service → message → redirect to the section.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from metrics.forms import BulkFlagForm, ReviewForm, ScheduleForm
from metrics.models import DataQualityFlag, FlagStatus, MonthReview, Offense
from metrics.selectors.reporting import Schedule
from metrics.selectors.review import recent_revisions, review_overview
from metrics.services import stewardship
from psp.accounts.http import AuthenticatedHttpRequest
from sites.models import Site
from sites.permissions import SiteAction, can, get_site_for_user, require


def _back(site: Site, anchor: str) -> HttpResponse:
    return redirect(reverse("metrics:data", args=[site.slug]) + f"#{anchor}")


def _errors(form: ScheduleForm | ReviewForm | BulkFlagForm) -> str:
    return "; ".join(
        f"{form.fields[k].label if k in form.fields else k}: {' '.join(str(m) for m in v)}"
        for k, v in form.errors.items()
    )


def offense_choices() -> list[tuple[str, str]]:
    return list(Offense.objects.filter(is_derived=False).values_list("code", "name"))


def review_month_choices(site: Site) -> list[tuple[str, str]]:
    return [
        (m.isoformat(), f"{m:%b %Y}")
        for m in MonthReview.objects.filter(site=site).values_list("month", flat=True)
    ]


def schedule_initial(s: Schedule) -> dict[str, object]:
    """The schedule form's initial values: the schedule as the report applies it."""
    return {
        "due_days": s.due_days,
        "offenses": list(s.offenses),
        "incidents_expected": s.incidents_expected,
        "reporting_from": s.reporting_from.strftime("%Y-%m") if s.reporting_from else "",
    }


def stewardship_context(request: AuthenticatedHttpRequest, site: Site) -> dict[str, object]:
    """What the Data page's schedule, review and bulk-flag sections need."""
    overview = review_overview(site)
    can_admin = can(request.user, site, SiteAction.ADMINISTER)
    schedule_form = None
    if can_admin:
        schedule_form = ScheduleForm(
            offenses=offense_choices(), initial=schedule_initial(overview.schedule)
        )
    return {
        "review": overview,
        "revisions": recent_revisions(site),
        "can_review": stewardship.can_review(request.user),
        "schedule_form": schedule_form,
    }


@login_required
@require_POST
def schedule_update(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Set the site's reporting schedule (administrators)."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.ADMINISTER)
    form = ScheduleForm(request.POST, offenses=offense_choices())
    if not form.is_valid():
        messages.error(request, f"The schedule was not changed ({_errors(form)}).")
        return _back(site, "schedule")
    data = form.cleaned_data
    try:
        stewardship.schedule_save(
            site=site,
            acting_user=request.user,
            due_days=data["due_days"],
            offenses=data["offenses"],
            incidents_expected=data["incidents_expected"],
            reporting_from=data["reporting_from"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Reporting schedule saved.")
    return _back(site, "schedule")


@login_required
@require_POST
def months_review(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Approve, return or unlock months (program managers and administrators)."""
    site = get_site_for_user(request.user, slug)
    if not stewardship.can_review(request.user):
        raise PermissionDenied("Only program managers and administrators review months.")
    form = ReviewForm(request.POST, months=review_month_choices(site))
    if not form.is_valid():
        messages.error(request, f"Nothing was changed ({_errors(form)}).")
        return _back(site, "review")
    action, months = form.cleaned_data["action"], form.month_dates()
    comment = form.cleaned_data["comment"]
    try:
        if action == "approve":
            stewardship.months_approve(
                site=site, months=months, acting_user=request.user, comment=comment
            )
        elif action == "return":
            stewardship.months_return(
                site=site, months=months, acting_user=request.user, comment=comment
            )
        else:
            stewardship.months_unlock(
                site=site, months=months, acting_user=request.user, reason=comment
            )
    except ValidationError as exc:
        messages.error(request, f"Nothing was changed: {' '.join(exc.messages)}")
    else:
        done = {"approve": "approved", "return": "returned", "unlock": "unlocked"}[action]
        messages.success(request, f"{stewardship.months_text(months)} {done}.")
    return _back(site, "review")


@login_required
@require_POST
def flags_bulk(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Confirm or resolve the selected open flags with one note, all or none."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.UPLOAD_DATA)
    open_ids = list(
        DataQualityFlag.objects.filter(site=site, status=FlagStatus.OPEN).values_list(
            "pk", flat=True
        )
    )
    form = BulkFlagForm(request.POST, flag_ids=open_ids)
    if not form.is_valid():
        messages.error(request, f"No flag was changed ({_errors(form)}).")
        return _back(site, "flags")
    try:
        n = stewardship.flags_decide_bulk(
            site=site,
            flag_ids=form.cleaned_data["flags"],
            acting_user=request.user,
            action=form.cleaned_data["action"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        verb = "confirmed" if form.cleaned_data["action"] == "confirm" else "resolved"
        messages.success(request, f"{n} flag{'s' if n != 1 else ''} {verb}.")
    return _back(site, "flags")
