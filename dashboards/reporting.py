"""The completeness and timeliness report: for the portfolio (with the portfolio's filters) and
for one site — expected, received, on time, late and missing by month — and its CSV/XLSX export.
The table is ``metrics.selectors.reporting``; this module picks the sites and the months."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboards.forms import PortfolioFilterForm
from dashboards.selectors.portfolio import all_portfolio_rows, filter_choices, filter_rows
from metrics.offenses import offense_name
from metrics.selectors.reporting import (
    INCIDENTS,
    STATE_LABELS,
    StatusRow,
    reporting_status,
    site_totals,
)
from psp.accounts.http import AuthenticatedHttpRequest
from psp.core import exports
from sites.permissions import get_site_for_user

WINDOW_MONTHS = 12
EXPORT_COLUMNS = [
    "Site",
    "Month",
    "Offense",
    "Expected",
    "Received on",
    "Due on",
    "State",
    "Review",
]


def window_start(today: dt.date, months: int = WINDOW_MONTHS) -> dt.date:
    """The first day of the month ``months`` months before ``today``'s month."""
    first = today.replace(day=1)
    for _ in range(months):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def _what(code: str) -> str:
    return "Incident records" if code == INCIDENTS else offense_name(code)


def export_values(r: StatusRow) -> list[Any]:
    return [
        r.site.name,
        r.month.strftime("%Y-%m"),
        _what(r.offense),
        "yes" if r.expected else "no",
        r.received_on,
        r.due_on,
        STATE_LABELS[r.state],
        r.approval or "",
    ]


def _portfolio_status(
    request: AuthenticatedHttpRequest, today: dt.date
) -> tuple[PortfolioFilterForm, list[StatusRow]]:
    rows = all_portfolio_rows(request.user, today)
    form = PortfolioFilterForm(request.GET or None, **filter_choices(rows))
    sites = [r.site for r in filter_rows(rows, form.filters())]
    return form, reporting_status(sites, as_of=today, first_month=window_start(today))


def _by_month(rows: list[StatusRow]) -> list[dict[str, Any]]:
    """Totals of the expected rows by month, latest first."""
    months: dict[dt.date, dict[str, Any]] = {}
    for r in rows:
        if not r.expected:
            continue
        m = months.setdefault(
            r.month,
            {"month": r.month, "expected": 0, "received": 0, **dict.fromkeys(STATE_LABELS, 0)},
        )
        m["expected"] += 1
        m["received"] += r.received_on is not None
        m[r.state] += 1
    return [months[k] for k in sorted(months, reverse=True)]


@login_required
@require_GET
def reporting_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Completeness and timeliness of every site the user may see, over the last 12 months."""
    today = timezone.localdate()
    form, rows = _portfolio_status(request, today)
    export = request.GET.copy()
    return render(
        request,
        "dashboards/reporting.html",
        {
            "form": form,
            "sites": site_totals(rows),
            "months": _by_month(rows),
            "today": today,
            "since": window_start(today),
            "export_query": export.urlencode(),
        },
    )


@login_required
@require_GET
def reporting_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponseBase:
    """The report's rows (site × month × offense) as filtered on screen, as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("Exports are CSV or XLSX.")
    today = timezone.localdate()
    _, rows = _portfolio_status(request, today)
    values = (export_values(r) for r in rows)
    name = f"psp-reporting-{today.isoformat()}"
    if fmt == "xlsx":
        return exports.xlsx_response(
            EXPORT_COLUMNS, values, filename=f"{name}.xlsx", sheet="Reporting"
        )
    return exports.csv_response(EXPORT_COLUMNS, values, filename=f"{name}.csv")


@login_required
@require_GET
def site_reporting(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """One site's completeness and timeliness, month by month, since its schedule starts."""
    site = get_site_for_user(request.user, slug)
    today = timezone.localdate()
    rows = reporting_status([site], as_of=today)
    return render(
        request,
        "dashboards/site_reporting.html",
        {
            "site": site,
            "totals": site_totals(rows),
            "months": _by_month(rows),
            "rows": sorted(rows, key=lambda r: r.month, reverse=True),
            "labels": STATE_LABELS,
            "today": today,
        },
    )
