"""Writes of the metrics engine: request a run, compute a site, record the outcome.

A recompute is requested with :func:`metric_run_request` (a :class:`MetricRun` row, enqueued
after commit); the task calls :func:`metric_run_execute`, which calls
:func:`metrics_compute_site`. Computing is idempotent: results are keyed by their inputs'
fingerprint, and the same inputs never write new rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from metrics.compute.envelope import package_versions
from metrics.engine.build import compute_site_rows
from metrics.engine.build.rows import Row, params_key
from metrics.engine.fingerprint import inputs_fingerprint
from metrics.engine.hotspot_map import draw_hot_spot_map
from metrics.engine.loaders import Reads, load_site_inputs
from metrics.models import HotSpotMap, MetricResult, MetricRun, RunStatus, RunTrigger
from metrics.services.pooling import pooled_effects_update
from psp.core.retry import TRANSIENT_ERRORS
from sites.models import Site

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from psp.accounts.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ComputeSummary:
    """What one compute did: ``written`` results, or ``unchanged`` for the same inputs."""

    site_slug: str
    outcome: str  # "written" | "unchanged"
    results: int
    ok: int
    null: int
    fingerprint: str
    data_through: dt.date | None
    seconds: float


def metrics_compute_site(
    *,
    site: Site,
    run: MetricRun | None = None,
    force: bool = False,
    today: dt.date | None = None,
) -> ComputeSummary:
    """Compute every metric of ``site`` and replace its stored results.

    Skipped (``unchanged``) when the stored results already carry the fingerprint of the
    current inputs, unless ``force``. The replacement is one transaction: a reader sees the old
    results or the new ones, never a mix.
    """
    started = timezone.now()
    today = today or timezone.localdate()
    reads: Reads = {}  # what the fingerprint reads, the loading reuses
    fingerprint = inputs_fingerprint(site, today=today, reads=reads)
    stored = list(
        MetricResult.objects.filter(site=site).values_list("inputs_fingerprint", flat=True)[:1]
    )
    existing = MetricResult.objects.filter(site=site)
    if (
        not force
        and stored
        and stored[0] == fingerprint
        and not existing.exclude(inputs_fingerprint=fingerprint).exists()
    ):
        _draw_missing_map(site, existing)
        count = existing.count()
        ok = existing.filter(status="ok").count()
        through = existing.order_by("-data_through").values_list("data_through", flat=True).first()
        return ComputeSummary(
            site.slug,
            "unchanged",
            count,
            ok,
            count - ok,
            fingerprint,
            through,
            (timezone.now() - started).total_seconds(),
        )
    if run is not None:
        _progress(run, 20)
    inputs = load_site_inputs(site, reads=reads)
    if run is not None:
        _progress(run, 40)
    rows = compute_site_rows(inputs, as_of=today)
    if run is not None:
        _progress(run, 90)
    now = timezone.now()
    versions = package_versions()
    objs = [
        MetricResult(
            site=site,
            metric=r.metric,
            offense=r.offense,
            params=r.params,
            params_key=params_key(r.params),
            status=r.status,
            reason=r.reason,
            flags=r.flags,
            evidence_tier=r.evidence_tier,
            value=r.value,
            method=r.method[:200],
            data_through=r.data_through,
            inputs_fingerprint=fingerprint,
            computed_at=now,
            package_versions=versions,
            run=run,
        )
        for r in rows
    ]
    drawn = _hot_spot_map(site, rows)
    with transaction.atomic():
        # Lock the site row so two workers computing the same site serialise here.
        Site.objects.select_for_update().filter(pk=site.pk).first()
        MetricResult.objects.filter(site=site).delete()
        _insert_results(objs)
        HotSpotMap.objects.filter(site=site).delete()
        if drawn is not None:
            drawn.save(force_insert=True)
    pooled_effects_update()  # the portfolio's pooled estimates read every site's results
    ok = sum(1 for r in rows if r.status == "ok")
    through = max((r.data_through for r in rows if r.data_through), default=None)
    return ComputeSummary(
        site.slug,
        "written",
        len(rows),
        ok,
        len(rows) - ok,
        fingerprint,
        through,
        (timezone.now() - started).total_seconds(),
    )


def _insert_results(objs: list[MetricResult]) -> None:
    """Insert new result rows: on PostgreSQL with one ``COPY``, elsewhere with ``bulk_create``.

    A site's ~120 results carry ~300 kB of JSON. Django's bulk insert on PostgreSQL sends each
    column as an array (``UNNEST``), and psycopg escapes every quote of every JSON document
    for the array literal in Python: ~50 ms of a typical site's task, against ~10 ms for
    ``COPY``. Values are prepared by the fields as ``bulk_create`` prepares them; ``COPY``
    fires the table's insert triggers like an ``INSERT``."""
    if connection.vendor != "postgresql":
        MetricResult.objects.bulk_create(objs, batch_size=500)
        return
    fields = [f for f in MetricResult._meta.concrete_fields if not f.primary_key]
    # A concrete field always has a column (the stubs allow None, for the others): narrows.
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields if f.column)
    with (
        connection.cursor() as cur,
        cur.cursor.copy(f"COPY {MetricResult._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            copy.write_row(
                [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
            )


def _hot_spot_map(site: Site, rows: list[Row]) -> HotSpotMap | None:
    """The dashboard's incident map over the analysis period of the concentration result (none
    when that result is not computable)."""
    conc = next((r for r in rows if r.metric == "concentration" and r.status == "ok"), None)
    if conc is None:
        return None
    return draw_hot_spot_map(
        site,
        dt.date.fromisoformat(conc.value["period_start"]),
        dt.date.fromisoformat(conc.value["period_end"]),
    )


def _draw_missing_map(site: Site, results: QuerySet[MetricResult]) -> None:
    """Store the map of kept results stored before the engine drew maps, so the dashboard only
    ever reads one (its inputs are unchanged, so the map matches the results it sits beside)."""
    if HotSpotMap.objects.filter(site=site).exists():
        return
    conc = results.filter(metric="concentration", status="ok").values_list("value", flat=True)
    value = conc.first()
    if value is None:
        return
    drawn = draw_hot_spot_map(
        site,
        dt.date.fromisoformat(value["period_start"]),
        dt.date.fromisoformat(value["period_end"]),
    )
    if drawn is not None:
        with transaction.atomic():
            Site.objects.select_for_update().filter(pk=site.pk).first()
            if not HotSpotMap.objects.filter(site=site).exists():
                drawn.save(force_insert=True)


def _progress(run: MetricRun, pct: int) -> None:
    MetricRun.objects.filter(pk=run.pk).update(progress=pct)


def metric_run_request(
    *,
    site: Site,
    acting_user: User | None = None,
    trigger: str = RunTrigger.MANUAL,
) -> MetricRun:
    """Record a request to recompute ``site`` and enqueue the task once the transaction commits.

    A request while another run of the site is still waiting reuses that run (clicking twice,
    or an import during a pending nightly run, computes once).
    """
    from metrics.tasks import recompute_site

    with transaction.atomic():
        waiting = (
            MetricRun.objects.select_for_update()
            .filter(site=site, status=RunStatus.PENDING)
            .order_by("-requested_at")
            .first()
        )
        if waiting is not None:
            return waiting
        run = MetricRun(site=site, trigger=trigger, requested_by=acting_user)
        run.full_clean()
        run.save()
        transaction.on_commit(partial(_enqueue, recompute_site, site.pk, run.pk))
    return run


def _enqueue(task, site_id: int, run_id: int) -> None:  # type: ignore[no-untyped-def]
    """Publish the task; if the broker cannot be reached, the run says so instead of hanging."""
    try:
        task.delay(site_id, run_id)
    except Exception as exc:
        if isinstance(exc, TRANSIENT_ERRORS):
            raise
        logger.exception("could not enqueue metrics run %s", run_id)
        MetricRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error=f"Could not reach the task queue: {type(exc).__name__}: {exc}",
        )


def metric_run_execute(*, site_id: int, run_id: int | None, final_attempt: bool) -> str:
    """Run a requested recompute (the task's body): running → succeeded/failed.

    Returns quietly when the site or the run is gone. A transient database error is re-raised
    for the task to retry (the run stays running with the error noted) until ``final_attempt``;
    any other error fails the run once, with its message.
    """
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        return "site_gone"
    if run_id is None:
        run = MetricRun.objects.create(site=site, trigger=RunTrigger.IMPORT)
    else:
        found = MetricRun.objects.filter(pk=run_id, site=site).first()
        if found is None:
            return "run_gone"
        run = found
    if run.status == RunStatus.SUCCEEDED:
        return "already_done"
    MetricRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        started_at=run.started_at or timezone.now(),
        attempts=run.attempts + 1,
        progress=5,
    )
    try:
        summary = metrics_compute_site(site=site, run=run)
    except TRANSIENT_ERRORS as exc:
        if not final_attempt:
            _note(run, f"Retrying after a database error: {exc}")
            raise
        _fail(run, exc)
        raise
    except Exception as exc:
        logger.exception("metrics run %s for site %s failed", run.pk, site.slug)
        _fail(run, exc)
        return "failed"
    MetricRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED,
        progress=100,
        finished_at=timezone.now(),
        outcome=summary.outcome,
        results_written=summary.results if summary.outcome == "written" else 0,
        inputs_fingerprint=summary.fingerprint,
        error="",
    )
    return summary.outcome


def _note(run: MetricRun, message: str) -> None:
    try:
        MetricRun.objects.filter(pk=run.pk).update(error=message[:2000])
    except TRANSIENT_ERRORS:  # the database is the thing that is down
        pass


def _fail(run: MetricRun, exc: BaseException) -> None:
    try:
        MetricRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
    except TRANSIENT_ERRORS:
        logger.exception("could not record the failure of metrics run %s", run.pk)


def metrics_request_all(*, trigger: str = RunTrigger.NIGHTLY) -> list[MetricRun]:
    """Request a recompute of every site (the nightly job): one run and one task per site."""
    return [
        metric_run_request(site=site, trigger=trigger)
        for site in Site.objects.order_by("pk").only("pk")
    ]
