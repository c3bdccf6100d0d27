"""The benchmark harness's own guard rails (its timings are never asserted: docs/design.md §8)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from bench import config, loadgen, report


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@127.0.0.1:5432/test",
        "postgres://postgres@127.0.0.1:5432/test_issue8",
        "postgres://postgres@127.0.0.1:5432/postgres",
    ],
)
def test_the_harness_refuses_the_test_and_server_databases(monkeypatch, url):
    monkeypatch.setenv("PSP_BENCH_DATABASE_URL", url)
    with pytest.raises(SystemExit, match="Refusing"):
        config.database_url()


def test_each_scale_has_a_dedicated_database_by_default(monkeypatch):
    monkeypatch.delenv("PSP_BENCH_DATABASE_URL", raising=False)
    assert config.database_url("small").endswith("/psp_bench_small")
    assert config.database_url("reference").endswith("/psp_bench_reference")


def test_percentiles_interpolate_between_samples():
    values = [float(v) for v in range(1, 101)]
    assert loadgen.percentile(values, 0.5) == pytest.approx(50.5)
    assert loadgen.percentile(values, 0.95) == pytest.approx(95.05)
    assert loadgen.percentile([], 0.95) == 0.0


def test_the_report_table_shows_figure_floor_ratio_target_and_verdict():
    r = report.Report(scale="small", command="python -m bench --scale small")
    r.measure(
        "x", "Import", figure=30.0, unit="s", floor=10.0, floor_label="COPY",
        target="<= 3x COPY", passed=True,
    )  # fmt: skip
    r.measure(
        "y", "Page", figure=200.0, unit="ms", floor=50.0, floor_label="bare page",
        target="<= 150 ms", passed=False,
    )  # fmt: skip
    data = r.as_dict()
    text = report.render(data)
    assert "| Import | 30.0 s | 10.0 s (COPY) | 3.00× | <= 3x COPY | pass |" in text
    assert "| Page | 200 ms | 50.0 ms (bare page) | 4.00× | <= 150 ms | **miss** |" in text
    assert f"{data['machine']['cores']} cores" in text


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="bench.urls")
def test_the_floor_page_is_for_signed_in_users_and_only_answers_get(client, pm):
    url = reverse("bench:bare")
    assert client.get(url).status_code == 302  # anonymous → sign-in page
    client.force_login(pm)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


def test_the_floor_page_is_not_part_of_the_site():
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("bench:bare")


def test_the_metrics_step_fails_loudly_when_the_engine_does_not_import(monkeypatch):
    """A missing engine module used to be reported as "skipped", so the bench smoke passed
    having measured nothing; now the error reaches the harness, which fails the run."""
    import sys

    import metrics.services as metrics_services
    from bench import metrics as bench_metrics
    from bench.config import SCALES

    monkeypatch.delattr(metrics_services, "runs", raising=False)
    monkeypatch.setitem(sys.modules, "metrics.services.runs", None)  # import raises
    r = report.Report(scale="small", command="python -m bench --scale small")
    with pytest.raises(ImportError):
        bench_metrics.measure(SCALES["small"], r)
    assert "metrics" not in r.details


def test_the_engine_timer_finds_every_function_it_wraps():
    """The metrics benchmark times the engine by patching functions by module and name: a move
    of one of them must fail here, not in the middle of a benchmark run."""
    from bench.metrics import family_timer

    with family_timer() as spent:
        assert dict(spent) == {}


@override_settings(ROOT_URLCONF="bench.urls")
def test_every_benchmarked_page_still_resolves():
    """A renamed URL fails here instead of being left out of the page benchmark."""
    from bench.pages import PAGES, resolve

    assert [name for name, _ in resolve()] == [name for name, _ in PAGES]


@override_settings(ROOT_URLCONF="bench.urls")
def test_a_page_name_that_is_gone_fails_the_page_benchmark(monkeypatch):
    from django.urls import NoReverseMatch

    from bench import pages

    monkeypatch.setattr(pages, "PAGES", [*pages.PAGES, ("sites:portfolio", {})])
    with pytest.raises(NoReverseMatch):
        pages.resolve()
