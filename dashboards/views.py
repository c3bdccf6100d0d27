"""Dashboard pages. Thin: resolve what the user may see, ask a selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from dashboards import exports
from dashboards.forms import PortfolioFilterForm
from dashboards.selectors import areas
from dashboards.selectors import search as search_selectors
from dashboards.selectors import site as site_selectors
from dashboards.selectors import workload as workload_selectors
from dashboards.selectors.portfolio import (
    add_sparklines,
    all_portfolio_rows,
    filter_choices,
    filter_rows,
    portfolio_dashboard,
)
from engagements.models import CoreArea
from psp.accounts.http import AuthenticatedHttpRequest
from psp.core import dataversion
from sites.permissions import SiteAction, allowed_actions, get_site_for_user, landing_url

PAGE_SIZE = 50


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where "PSP Portfolio" and signing in lead: the portfolio, your one site, or "My work"."""
    return redirect(landing_url(request.user))


@login_required
@require_GET
def portfolio(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The staff home: tiles, the filterable site table with trends and flags, map, roll-ups."""
    return render(request, "dashboards/portfolio.html", {"body": portfolio_body(request)})


def portfolio_body(request: AuthenticatedHttpRequest) -> SafeString:
    """The portfolio page's body, rendered; served from the cache while the data it shows has not
    changed (``psp.core.dataversion``): a view then costs two small queries instead of twelve and
    no rendering of 200 sites."""
    today = timezone.localdate()
    body = dataversion.cached(
        "portfolio",
        request.user,
        (today, request.GET.urlencode()),
        lambda: render_to_string(
            "dashboards/_portfolio.html", portfolio_context(request, today), request
        ),
    )
    return mark_safe(body)  # noqa: S308 (our own template's output)


def portfolio_context(
    request: AuthenticatedHttpRequest, today: dt.date | None = None
) -> dict[str, object]:
    """The portfolio page's context (``portfolio_body`` renders it)."""
    today = today or timezone.localdate()
    rows = all_portfolio_rows(request.user, today)
    form = PortfolioFilterForm(request.GET or None, **filter_choices(rows))
    filters = form.filters()
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("sort", None)
    export = request.GET.copy()
    export.pop("page", None)
    portfolio = portfolio_dashboard(rows, filters, today)
    page = Paginator(portfolio.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    add_sparklines(page.object_list)
    return {
        "form": form,
        "portfolio": portfolio,
        # Every site the reader may see, whatever the filters (the pooled estimates name them).
        "visible_slugs": {r.site.slug for r in rows},
        "page": page,
        "sort": filters.sort,
        "query": params.urlencode(),
        "export_query": export.urlencode(),
    }


@login_required
@require_GET
def portfolio_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponseBase:
    """The portfolio table as filtered and sorted on screen, as CSV or XLSX (every page)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("Exports are CSV or XLSX.")
    rows = all_portfolio_rows(request.user)
    form = PortfolioFilterForm(request.GET or None, **filter_choices(rows))
    if refused := form.refused_values():
        return HttpResponseBadRequest(
            "Nothing was exported because a filter value was not recognised. " + " ".join(refused),
            content_type="text/plain; charset=utf-8",
        )
    picked = filter_rows(rows, form.filters())
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        return exports.xlsx_response(picked, f"psp-portfolio-{stamp}.xlsx")
    return exports.csv_response(picked, f"psp-portfolio-{stamp}.csv")


def _site_dashboard(request: AuthenticatedHttpRequest, slug: str) -> site_selectors.SiteDashboard:
    site = get_site_for_user(request.user, slug)
    return site_selectors.site_dashboard(
        site, user=request.user, offense=request.GET.get("offense", "")[:40]
    )


@login_required
@require_GET
def site_dashboard(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """A site in one minute: clock, trends with milestones, headline, quality, TA, partners.
    Its body is served from the cache while nothing it shows has changed (``dataversion``)."""
    site = get_site_for_user(request.user, slug)
    can_recompute = SiteAction.RECOMPUTE_METRICS in allowed_actions(request.user, site)
    offense = request.GET.get("offense", "")[:40]
    today = timezone.localdate()

    def context() -> dict[str, object]:
        dash = site_selectors.site_dashboard(site, user=request.user, offense=offense, today=today)
        return {"site": site, "dash": dash, "summary": dash.summary, "can_recompute": can_recompute}

    body = dataversion.cached_html(
        "site-dashboard",
        request,
        (site.pk, today, offense, can_recompute),
        "dashboards/_site_dashboard.html",
        context,
    )
    return render(request, "dashboards/site_dashboard.html", {"site": site, "body": body})


@login_required
@require_GET
def site_brief(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """A one-page printable summary of the site for a briefing."""
    dash = _site_dashboard(request, slug)
    return render(
        request,
        "dashboards/site_brief.html",
        {"site": dash.site, "dash": dash, "now": timezone.now()},
    )


@login_required
@require_GET
def core_area_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The eight core areas across the sites the user may see."""
    return render(
        request, "dashboards/core_areas.html", {"areas": areas.core_area_index(request.user)}
    )


@login_required
@require_GET
def core_area_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """One core area across the portfolio."""
    area = get_object_or_404(CoreArea, code=code)
    return render(request, "dashboards/core_area.html", areas.core_area_detail(request.user, area))


@login_required
@require_GET
def workload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Activities and hours by liaison and site over time (staff-wide roles)."""
    if not request.user.sees_all_sites:
        raise PermissionDenied("The workload view is for BJA program managers and PSP staff.")
    choices = workload_selectors.manager_choices(request.user)
    raw = request.GET.get("manager", "").strip()
    manager = next((pk for pk, _ in choices if str(pk) == raw), None)
    refused = bool(raw) and manager is None
    # An unknown manager (a mistyped or stale link) shows nothing and says so, never every site.
    context = workload_selectors.workload(request.user, manager=-1 if refused else manager)
    context.update(
        {"managers": choices, "manager": manager, "refused_manager": raw[:40] if refused else ""}
    )
    return render(request, "dashboards/workload.html", context)


@login_required
@require_GET
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """``/search/?q=…``: what the person may see that matches, best first, with each hit's kind."""
    query = request.GET.get("q", "")[: search_selectors.MAX_QUERY].strip()
    hits = search_selectors.search(request.user, query)
    return render(
        request,
        "dashboards/search.html",
        {
            "query": query,
            "search_query": query,
            "hits": hits,
            "too_short": 0 < len(query) < search_selectors.MIN_QUERY,
        },
    )
