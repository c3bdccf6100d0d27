"""Peer exchanges between two sites and their 90-day adoption follow-up."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements import services
from engagements.forms import FollowUpForm, PeerExchangeForm
from engagements.models import PeerExchange
from engagements.views.common import form_page, submit
from psp.accounts.http import AuthenticatedHttpRequest
from psp.core.forms import apply_validation_error
from sites.models import Site
from sites.permissions import SiteAction, can, get_site_for_user, require


@login_required
@require_http_methods(["GET", "POST"])
def peer_exchange_new(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Record a peer exchange this site hosted or made."""
    site = get_site_for_user(request.user, slug)
    require(request.user, site, SiteAction.LOG_WORK)
    form = PeerExchangeForm(request.POST or None, site=site, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        other = data["other_site"]
        host, visitor = (site, other) if data["role"] == "host" else (other, site)
        exchange = submit(
            request,
            form,
            lambda: services.peer_exchange_record(
                host_site=host,
                visiting_site=visitor,
                topic=data["topic"],
                date=data["date"],
                core_areas=data["core_areas"],
                acting_user=request.user,
            ),
            lambda ex: (
                f"Recorded the peer exchange; follow-up due {ex.follow_up_due:%b} "
                f"{ex.follow_up_due.day}, {ex.follow_up_due.year}."
            ),
        )
        if exchange is not None:
            return redirect("engagements:peer_exchange", pk=exchange.pk)
    return form_page(
        request, site=site, form=form, title="Record peer exchange", submit_label="Save"
    )


def _visible_exchange(request: AuthenticatedHttpRequest, pk: int) -> PeerExchange:
    return get_object_or_404(
        PeerExchange.objects.for_user(request.user).select_related("host_site", "visiting_site"),
        pk=pk,
    )


def _visible_sites(request: AuthenticatedHttpRequest, exchange: PeerExchange) -> dict[str, bool]:
    """Which of the two sites the viewer may open: the other one is named as plain text."""
    visible = set(
        Site.objects.for_user(request.user)
        .filter(pk__in=[exchange.host_site_id, exchange.visiting_site_id])
        .values_list("pk", flat=True)
    )
    return {
        "host_visible": exchange.host_site_id in visible,
        "visitor_visible": exchange.visiting_site_id in visible,
    }


def _may_follow_up(request: AuthenticatedHttpRequest, exchange: PeerExchange) -> bool:
    return any(
        can(request.user, s, SiteAction.LOG_WORK)
        for s in (exchange.visiting_site, exchange.host_site)
    )


@login_required
@require_GET
def peer_exchange_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    exchange = _visible_exchange(request, pk)
    form = FollowUpForm(
        initial={
            "practice_adopted": exchange.practice_adopted,
            "follow_up_note": exchange.follow_up_note,
        }
    )
    return render(
        request,
        "engagements/peer_exchange_detail.html",
        {
            "x": exchange,
            "form": form,
            "may_follow_up": _may_follow_up(request, exchange),
            **_visible_sites(request, exchange),
        },
    )


@login_required
@require_POST
def peer_exchange_follow_up(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Answer the follow-up: was the practice adopted?"""
    exchange = _visible_exchange(request, pk)
    if not _may_follow_up(request, exchange):
        raise PermissionDenied("You cannot record the follow-up of this exchange.")
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.peer_exchange_follow_up(
                exchange=exchange, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Saved the follow-up.")
            return redirect("engagements:peer_exchange", pk=exchange.pk)
    return render(
        request,
        "engagements/peer_exchange_detail.html",
        {"x": exchange, "form": form, "may_follow_up": True, **_visible_sites(request, exchange)},
    )
