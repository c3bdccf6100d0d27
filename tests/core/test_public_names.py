"""What people and scripts outside the code rely on stays put when code moves (issue 19): the URL
paths of every page a person bookmarks, and the command names admins script (docs/design.md §7)."""

from __future__ import annotations

import pytest
from django.core.management import get_commands
from django.urls import resolve

# Path → the view that serves it (its URL name may move between apps; the path may not).
PATHS = {
    "/": "home",
    "/healthz": "healthz",
    "/readyz": "readyz",
    "/sites/": "dashboards:portfolio",
    "/sites/onboard/": "onboarding:onboard",
    "/sites/onboard/bulk/": "onboarding:onboard_bulk",
    "/sites/onboard/places/": "onboarding:place_search",
    "/sites/wichita/": "sites:detail",
    "/sites/wichita/edit/": "sites:edit",
    "/sites/wichita/phase/": "sites:phase",
    "/sites/wichita/milestones/": "onboarding:milestones",
    "/sites/wichita/agencies/add/": "sites:agency_add",
    "/sites/wichita/dashboard/": "dashboards:site",
    "/sites/wichita/brief/": "dashboards:brief",
    "/portfolio/export/csv/": "dashboards:portfolio_export",
    "/core-areas/": "dashboards:core_areas",
    "/core-areas/gun_violence/": "dashboards:core_area",
    "/workload/": "dashboards:workload",
    "/reporting/": "dashboards:reporting",
    "/reporting/export/csv/": "dashboards:reporting_export",
    "/sites/wichita/reporting/": "dashboards:site_reporting",
    "/sites/wichita/data/": "metrics:data",
    "/sites/wichita/data/upload/": "metrics:upload_create",
    "/sites/wichita/data/uploads/1/": "metrics:upload_detail",
    "/sites/wichita/metrics/recompute/": "metrics:recompute",
    "/sites/wichita/metrics/runs/1/": "metrics:run_status",
    "/activities/": "engagements:activities",
    "/my-work/": "engagements:my_work",
    "/sites/wichita/plan/": "engagements:plan",
    "/sites/wichita/timeline/": "engagements:timeline",
}

COMMANDS = {
    "seed_demo": "psp.demo",
    "onboard_sites": "sites.onboarding",
    "import_monthly_counts": "metrics",
    "import_incidents": "metrics",
    "compute_metrics": "metrics",
    "export_metrics": "metrics",
    "reporting_status": "metrics",
}


@pytest.mark.parametrize(("path", "name"), PATHS.items())
def test_page_paths_do_not_move(path, name):
    assert resolve(path).view_name == name


def test_the_scripted_commands_keep_their_names():
    commands = get_commands()
    assert {name: commands.get(name) for name in COMMANDS} == COMMANDS
