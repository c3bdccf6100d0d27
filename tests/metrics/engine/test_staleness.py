"""What the site pages read instead of aggregating every incident: the fingerprint's incident
aggregate, kept per site and reused only while the database's incident counter has not moved
(stored results still turn stale after any write to their inputs, docs/metrics.md §1), and the
dashboard's incident map, drawn by the engine with the results."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards.selectors.site import site_dashboard
from metrics.engine.fingerprint import inputs_fingerprint
from metrics.engine.hotspot_map import draw_hot_spot_map
from metrics.engine.loaders import incident_aggregate
from metrics.models import (
    DataQualityFlag,
    HotSpotMap,
    Incident,
    IncidentAggregate,
    MetricResult,
    Upload,
)
from metrics.selectors.results import site_metrics_summary
from metrics.services import quality
from metrics.services.runs import metrics_compute_site

pytestmark = pytest.mark.django_db

FIRST = (
    "id,date,offense,latitude,longitude,killed\n"
    "A1,2023-01-05,robbery,37.68,-97.33,0\n"
    "A2,2023-02-05,robbery,37.69,-97.34,0\n"
    "A3,2023-03-05,burglary,37.70,-97.35,0\n"
)
# A corrected re-send: A2 now has a victim killed, A4 is new.
CORRECTED = FIRST.replace(
    "A2,2023-02-05,robbery,37.69,-97.34,0", "A2,2023-02-05,robbery,37.69,-97.34,1"
)
CORRECTED += "A4,2023-04-05,robbery,37.71,-97.36,0\n"


def fresh_fingerprint(site):
    """The fingerprint with nothing kept: every aggregate recomputed from the rows."""
    IncidentAggregate.objects.filter(site=site).delete()
    return inputs_fingerprint(site)


def is_fresh(site, user):
    return site_metrics_summary(site, user=user).is_fresh


@pytest.fixture
def imported(site_a, liaison_a, run_import):
    run_import(site_a, liaison_a, FIRST, kind="incidents", name="first.csv")
    metrics_compute_site(site=site_a, force=True)
    assert IncidentAggregate.objects.filter(site=site_a).exists()  # kept by the compute
    return site_a


def test_results_are_fresh_after_a_compute_and_the_page_reuses_the_kept_aggregate(imported, pm):
    assert is_fresh(imported, pm)
    kept = IncidentAggregate.objects.get(site=imported)
    kept.rows = [["a row the page would only show if it read the kept copy"]]
    kept.save()
    assert incident_aggregate(imported) == [kept.version, kept.rows]


def test_a_corrected_re_send_through_the_import_moves_the_fingerprint(
    imported, liaison_a, run_import
):
    before = inputs_fingerprint(imported)
    run_import(imported, liaison_a, CORRECTED, kind="incidents", name="corrected.csv")
    assert Incident.objects.get(site=imported, external_id="A2").killed == 1
    after = inputs_fingerprint(imported)
    assert after != before
    assert after == fresh_fingerprint(imported)


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda site: Incident.objects.filter(site=site, external_id="A1").update(injured=2),
            id="orm update",
        ),
        pytest.param(
            lambda site: Incident.objects.filter(site=site, external_id="A3").delete(),
            id="orm delete",
        ),
        pytest.param(
            lambda site: Upload.objects.filter(site=site, kind="incidents").delete(),
            id="upload deleted (incidents keep no upload)",
        ),
        pytest.param(
            lambda site: connection.cursor().execute(
                "UPDATE metrics_incident SET killed = killed + 1 WHERE site_id = %s", [site.pk]
            ),
            id="raw SQL",
        ),
        pytest.param(
            lambda site: Incident.objects.create(
                site=site,
                source="gva",
                external_id="B1",
                occurred_on="2023-05-01",
                killed=1,
            ),
            id="admin-style save",
        ),
    ],
)
def test_every_write_to_incidents_makes_the_results_stale(imported, pm, write):
    assert is_fresh(imported, pm)
    write(imported)
    assert not is_fresh(imported, pm)
    assert inputs_fingerprint(imported) == fresh_fingerprint(imported)


def test_a_write_to_another_site_leaves_the_results_fresh(
    imported, pm, site_b, liaison_b, run_import
):
    run_import(site_b, liaison_b, FIRST, kind="incidents", name="b.csv")
    assert is_fresh(imported, pm)


def test_resolving_a_data_quality_flag_makes_the_results_stale(imported, pm):
    flag = DataQualityFlag.objects.create(
        site=imported, rule="DQ9", scope="incidents", key="stack", detail="stacked points"
    )
    metrics_compute_site(site=imported, force=True)
    assert is_fresh(imported, pm)
    quality.flag_update(flag=flag, acting_user=pm, action="resolve", note="geocoder fixed")
    assert not is_fresh(imported, pm)


def test_a_kept_aggregate_of_a_rolled_back_write_is_not_reused(imported, pm):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        Incident.objects.filter(site=imported).update(killed=5)
        inputs_fingerprint(imported)  # keeps the aggregate of the rows about to roll back
        raise RuntimeError("rolled back")
    assert is_fresh(imported, pm)
    assert inputs_fingerprint(imported) == fresh_fingerprint(imported)


def test_the_engine_draws_the_dashboard_map_with_the_results(site_a, liaison_a, pm, run_import):
    lines = ["id,date,offense,latitude,longitude"]
    lines += [
        # Three clusters, one ~150 m cell each (distinct points: DQ9 sets stacked ones aside).
        f"M{i},2023-{1 + i % 12:02d}-10,robbery,{37.6808 + (i % 3) * 0.01 + i * 5e-6:.6f},"
        f"{-97.3308 - i * 5e-6:.6f}"
        for i in range(40)
    ]
    run_import(site_a, liaison_a, "\n".join(lines) + "\n", kind="incidents", name="map.csv")
    metrics_compute_site(site=site_a, force=True)
    conc = MetricResult.objects.get(site=site_a, metric="concentration")
    assert conc.status == "ok"
    kept = HotSpotMap.objects.get(site=site_a)
    live = draw_hot_spot_map(
        site_a,
        dt.date.fromisoformat(conc.value["period_start"]),
        dt.date.fromisoformat(conc.value["period_end"]),
    )
    assert (kept.total, kept.dense_cells, kept.cells, kept.figure) == (
        live.total,
        live.dense_cells,
        live.cells,
        live.figure,
    )
    assert kept.total == 40
    assert kept.cells[0][1] == "14"  # the first cluster: i % 3 == 0
    dash = site_dashboard(site_a, user=pm)
    assert dash.hot_chart["figure"] == kept.figure
    assert "40 geocoded incidents" in dash.hot_chart["caption"]
    HotSpotMap.objects.filter(site=site_a).update(total=12_345)  # the page reads the kept map
    assert "12,345 geocoded incidents" in site_dashboard(site_a, user=pm).hot_chart["caption"]

    # No computable concentration any more: the next compute leaves no map behind.
    Incident.objects.filter(site=site_a).delete()
    metrics_compute_site(site=site_a, force=True)
    assert not HotSpotMap.objects.filter(site=site_a).exists()


def test_the_dashboard_only_reads_the_map_and_a_recompute_draws_a_missing_one(
    site_a, liaison_a, pm, run_import, client_for
):
    lines = ["id,date,offense,latitude,longitude"]
    lines += [
        f"M{i},2023-{1 + i % 12:02d}-10,robbery,{37.6808 + (i % 3) * 0.01 + i * 5e-6:.6f},"
        f"{-97.3308 - i * 5e-6:.6f}"
        for i in range(30)
    ]
    run_import(site_a, liaison_a, "\n".join(lines) + "\n", kind="incidents", name="map.csv")
    metrics_compute_site(site=site_a, force=True)
    assert MetricResult.objects.get(site=site_a, metric="concentration").status == "ok"
    HotSpotMap.objects.filter(site=site_a).delete()  # results stored before maps were drawn
    client = client_for(pm)
    url = reverse("dashboards:site", args=[site_a.slug])
    table = HotSpotMap._meta.db_table

    def page_writes_no_map() -> str:
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(url).content.decode()
        assert not [
            q["sql"] for q in ctx.captured_queries if table in q["sql"] and "SELECT" not in q["sql"]
        ]
        return body

    body = page_writes_no_map()
    assert not HotSpotMap.objects.filter(site=site_a).exists()
    assert 'id="chart-hotspots"' not in body

    # Same inputs: the compute keeps the results and draws the missing map.
    assert metrics_compute_site(site=site_a).outcome == "unchanged"
    kept = HotSpotMap.objects.get(site=site_a)
    assert kept.total == 30
    body = page_writes_no_map()
    assert 'id="chart-hotspots"' in body
    assert "30 geocoded incidents" in body
