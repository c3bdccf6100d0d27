"""Real data: the GVA preset against a hand computation; data-quality flags from DQ1–DQ9."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.core.exceptions import ValidationError

from metrics import services
from metrics.engine.build.series import build_series
from metrics.engine.loaders import load_site_inputs
from metrics.models import DataQualityFlag, Incident, MonthlyCount
from tests.metrics.conftest import FIXTURES

pytestmark = pytest.mark.django_db

GVA = FIXTURES / "gva_tampa_2016_2017.csv"


def test_gva_monthly_fatal_and_nonfatal_counts_match_a_hand_computation(
    site_a, liaison_a, run_import
):
    upload = run_import(
        site_a,
        liaison_a,
        GVA.read_bytes(),
        kind="incidents",
        name=GVA.name,
        preset="gva",
        coverage_start=dt.date(2016, 1, 1),
        coverage_end=dt.date(2017, 12, 1),
    )
    assert upload.status == "imported"
    # Independently, with plain pandas, from the README's definitions.
    raw = pd.read_csv(GVA)
    raw["month"] = raw["date"].str.slice(0, 7)
    fatal = raw[raw["n_killed"] > 0].groupby("month").size()
    nonfatal = raw[(raw["n_killed"] == 0) & (raw["n_injured"] > 0)].groupby("month").size()
    months = [f"{y}-{m:02d}" for y in (2016, 2017) for m in range(1, 13)]
    expected_fatal = fatal.reindex(months, fill_value=0).to_dict()
    expected_nonfatal = nonfatal.reindex(months, fill_value=0).to_dict()

    stored = pd.DataFrame(
        Incident.objects.filter(site=site_a).values_list("occurred_on", "offense__code"),
        columns=["day", "offense"],
    )
    stored["month"] = stored["day"].map(lambda d: d.strftime("%Y-%m"))
    got = stored.groupby(["offense", "month"]).size()
    for code, expected in (
        ("fatal_shooting_incidents", expected_fatal),
        ("nonfatal_shooting_incidents", expected_nonfatal),
    ):
        series = got.get(code, pd.Series(dtype=int)).reindex(months, fill_value=0).to_dict()
        assert series == expected, code
    assert len(stored) == len(raw) == 240
    assert sum(expected_fatal.values()) > 0 and sum(expected_nonfatal.values()) > 0
    # Coverage is declared on the upload so empty months inside it are zeros.
    upload.refresh_from_db()
    assert (upload.coverage_start, upload.coverage_end) == (
        dt.date(2016, 1, 1),
        dt.date(2017, 12, 1),
    )


def test_gva_preset_refuses_a_file_that_is_not_a_gva_export(site_a, liaison_a):
    from tests.metrics.conftest import as_file

    upload = services.upload_receive(
        site=site_a,
        kind="incidents",
        file=as_file("id,date\n1,2024-01-01\n"),
        acting_user=liaison_a,
        preset="gva",
    )
    assert upload.status == "invalid"
    assert "not a Gun Violence Archive export" in upload.errors[0]["message"]


def test_incidents_outside_the_declared_coverage_are_listed(site_a, liaison_a):
    from tests.metrics.conftest import as_file

    upload = services.upload_receive(
        site=site_a,
        kind="incidents",
        file=as_file("id,date,killed,injured\n1,2024-01-01,0,1\n2,2024-05-01,1,0\n"),
        acting_user=liaison_a,
        coverage_start=dt.date(2024, 1, 1),
        coverage_end=dt.date(2024, 3, 1),
    )
    assert [(e["row"], e["column"]) for e in upload.errors] == [(3, "date")]
    assert "outside the coverage" in upload.errors[0]["message"]


def monthly_csv(values: dict[str, int], offense: str = "robbery") -> str:
    return "month,offense,count\n" + "".join(f"{m},{offense},{c}\n" for m, c in values.items())


def test_missing_month_and_revision_raise_flags_a_liaison_can_confirm_or_resolve(
    site_a, liaison_a, run_import
):
    months = {f"2023-{m:02d}": 20 for m in range(1, 13) if m != 6}  # June is missing
    first = run_import(site_a, liaison_a, monthly_csv(months))
    dq1 = DataQualityFlag.objects.get(site=site_a, rule="DQ1")
    assert (dq1.month, dq1.offense.code, dq1.status) == (dt.date(2023, 6, 1), "robbery", "open")
    assert dq1.pk in first.read_summary().flags_raised

    second = run_import(site_a, liaison_a, monthly_csv({"2023-03": 30}), name="fix.csv")
    dq6 = DataQualityFlag.objects.get(site=site_a, rule="DQ6")
    assert dq6.month == dt.date(2023, 3, 1)
    assert "20 to 30" in dq6.detail
    assert dq6.pk in second.read_summary().flags_raised

    with pytest.raises(ValidationError) as exc:
        services.flag_update(flag=dq1, acting_user=liaison_a, action="confirm", note=" ")
    assert "note" in exc.value.message_dict
    services.flag_update(
        flag=dq1, acting_user=liaison_a, action="confirm", note="The city did not report June."
    )
    dq1.refresh_from_db()
    assert (dq1.status, dq1.resolved_by, dq1.note) == (
        "confirmed",
        liaison_a,
        "The city did not report June.",
    )
    # Running the rules again keeps the person's decision.
    services.quality_check_site(site=site_a)
    dq1.refresh_from_db()
    assert dq1.status == "confirmed"


def test_an_open_flag_that_is_no_longer_raised_is_closed_with_a_note(site_a, liaison_a, run_import):
    run_import(site_a, liaison_a, monthly_csv({"2023-01": 5, "2023-03": 5}))
    flag = DataQualityFlag.objects.get(site=site_a, rule="DQ1")
    run_import(site_a, liaison_a, monthly_csv({"2023-02": 5}), name="feb.csv")
    flag.refresh_from_db()
    assert flag.status == "resolved"
    assert "No longer raised" in flag.note


def test_implausible_zero_marks_the_month_suspect_until_confirmed(site_a, liaison_a, run_import):
    values = {f"{y}-{m:02d}": 12 for y in (2022, 2023) for m in range(1, 13)}
    values.update({"2024-01": 0, "2024-02": 12, "2024-03": 12})
    run_import(site_a, liaison_a, monthly_csv(values))
    flags = DataQualityFlag.objects.filter(site=site_a, month=dt.date(2024, 1, 1))
    assert [f.rule for f in flags] == ["DQ2"]  # §7.3: a zero is DQ2's alone
    month = MonthlyCount.objects.get(site=site_a, month=dt.date(2024, 1, 1))
    assert month.status == "suspect"
    services.flag_update(flag=flags[0], acting_user=liaison_a, action="confirm", note="Verified.")
    month.refresh_from_db()
    assert month.status == "reported"


def test_a_month_marked_wrong_leaves_every_estimate(site_a, liaison_a, run_import):
    values = {f"{y}-{m:02d}": 12 for y in (2022, 2023) for m in range(1, 13)}
    values.update({"2024-01": 0, "2024-02": 12, "2024-03": 12})
    run_import(site_a, liaison_a, monthly_csv(values))
    flag = DataQualityFlag.objects.get(site=site_a, month=dt.date(2024, 1, 1))
    services.flag_update(flag=flag, acting_user=liaison_a, action="exclude", note="Feed outage.")
    flag.refresh_from_db()
    assert flag.status == "wrong"
    inputs = load_site_inputs(site_a)
    series = {s.offense: s for s in build_series(inputs, as_of=dt.date(2030, 1, 1))}
    ms = next(iter(series.values())).ms
    assert ms.status[pd.Period("2024-01", freq="M")] == "missing"


def test_incident_hygiene_flags_stacked_points(site_a, liaison_a, run_import):
    rows = "".join(f"S{i},2023-01-{1 + i % 28:02d},robbery,37.6872,-97.3301\n" for i in range(20))
    rows += "".join(
        f"T{i},2023-02-{1 + i % 28:02d},robbery,{37.6 + i / 1000},-97.3\n" for i in range(80)
    )
    run_import(site_a, liaison_a, "id,date,offense,lat,lon\n" + rows, kind="incidents")
    flags = DataQualityFlag.objects.filter(site=site_a, rule="DQ9")
    assert any("20 incidents on one point" in f.detail for f in flags)
