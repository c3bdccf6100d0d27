"""Figures are built by pure functions: assert on traces, axes and annotations."""

from __future__ import annotations

import json

from django.template.loader import render_to_string

from metrics import charts


def _trend(statuses, counts=None):
    months = [f"2024-{m:02d}" for m in range(1, len(statuses) + 1)]
    counts = counts or [10] * len(statuses)
    return charts.monthly_trend_figure(
        title="Violent crime",
        months=months,
        counts=counts,
        statuses=statuses,
        markers=[charts.TimeMarker("2024-03", "Engagement start")],
    )


def test_missing_month_breaks_the_line_instead_of_drawing_zero():
    fig = _trend(["reported", "missing", "reported"], counts=[10, 0, 12])
    line = fig.data[0]
    assert list(line.y) == [10, None, 12]
    assert line.connectgaps is False
    assert "1 missing month" in fig.layout.annotations[0].text


def test_provisional_months_get_their_own_labelled_open_markers():
    fig = _trend(["reported", "reported", "provisional"], counts=[10, 11, 4])
    provisional = [t for t in fig.data if t.name == "Provisional"]
    assert len(provisional) == 1
    assert list(provisional[0].y) == [4]
    assert provisional[0].marker.symbol == "circle-open"


def test_engagement_start_is_a_labelled_vertical_line():
    fig = _trend(["reported"] * 4)
    assert fig.layout.shapes[0].x0 == "2024-03-01" == fig.layout.shapes[0].x1
    assert any(a.text == "Engagement start" for a in fig.layout.annotations)


def test_nearby_marker_labels_go_on_separate_rows_and_distant_ones_share_the_top():
    markers = [
        charts.TimeMarker("2020-01", "Engagement start"),
        charts.TimeMarker("2020-02", "Assessment visit"),
        charts.TimeMarker("2020-03", "Assessment report"),
        charts.TimeMarker("2023-06", "Strategic plan"),
    ]
    # 60 months over 640 px: about 11 px a month, so a 16-letter label spans about 10 months.
    rows = charts.marker_rows(markers, span_months=60)
    assert rows[:3] == [0, 1, 2]
    assert rows[3] == 0  # three years later the top row is free again
    fig = charts.monthly_trend_figure(
        title="Violent crime",
        months=[f"{y}-{m:02d}" for y in range(2019, 2024) for m in range(1, 13)],
        counts=[10] * 60,
        statuses=["reported"] * 60,
        markers=markers,
    )
    labelled = {a.text: a.y for a in fig.layout.annotations if a.text in {m.label for m in markers}}
    assert len(set(list(labelled.values())[:3])) == 3


def test_rolling_figure_keeps_gaps():
    fig = charts.rolling_figure(title="R12", months=["2024-01", "2024-02"], totals=[None, 159])
    assert list(fig.data[0].y) == [None, 159]
    assert fig.data[0].connectgaps is False


def test_map_tells_trend_by_colour_symbol_and_words():
    sites = [
        charts.MapSite("Tampa", 27.95, -82.46, "down", "down 10%"),
        charts.MapSite("Seattle", 47.6, -122.3, "up", "up 5%"),
        charts.MapSite("Pueblo", 38.25, -104.6, "unknown", "no data"),
    ]
    fig = charts.sites_map_figure(sites)
    names = {t.name: t for t in fig.data}
    assert set(names) == {"Falling (1)", "Rising (1)", "Not enough data (1)"}
    assert names["Falling (1)"].marker.symbol == "triangle-down"
    assert names["Rising (1)"].marker.symbol == "triangle-up"
    assert fig.layout.geo.scope == "usa"


def test_map_dict_is_the_plotly_figure_as_json():
    sites = [
        charts.MapSite("Tampa", 27.95, -82.46, "down", "down 10%"),
        charts.MapSite("Seattle", 47.6, -122.3, "up", "up 5%"),
        charts.MapSite("Mesa", 33.4, -111.8, "up", "up 2%"),
        charts.MapSite("Pueblo", 38.25, -104.6, "unknown", "no data"),
    ]
    for title in ("Sites", "Sites by trend"):
        expected = charts.figure_dict(charts.sites_map_figure(sites, title=title))
        assert charts.sites_map_dict(sites, title=title) == expected
    assert charts.sites_map_dict([], title="Empty") == charts.figure_dict(
        charts.sites_map_figure([], title="Empty")
    )


def test_points_dict_is_the_plotly_figure_as_json():
    lats, lons = [37.1, 37.25, 36.987654321, 37.0], [-97.1, -97.2, -97.333333333, -97.0]
    for hot in ([True, False, True, False], [False] * 4, [True] * 4):
        args = {"title": "Incidents", "latitudes": lats, "longitudes": lons, "hot": hot}
        expected = charts.figure_dict(charts.points_figure(**args))
        assert charts.points_dict(**args) == expected
        # The hot trace renamed, as the hot-spot map names it; the other trace keeps its name.
        for trace in expected["data"]:
            if trace["name"] == "In a hot spot":
                trace["name"] = "Densest cells"
        assert charts.points_dict(**args, hot_name="Densest cells") == expected
    empty = {"title": "None", "latitudes": [], "longitudes": [], "hot": []}
    assert charts.points_dict(**empty) == charts.figure_dict(charts.points_figure(**empty))


def test_sparkline_splits_at_missing_values():
    segments = charts.sparkline_points([1, 2, None, 4, 5], width=40, height=10)
    assert len(segments) == 2
    assert segments[0].startswith("0.0,")
    assert charts.sparkline_points([None, None]) == []


def test_figure_dict_is_plain_json():
    fig = charts.points_figure(
        title="Incidents", latitudes=[37.1, 37.2], longitudes=[-97.1, -97.2], hot=[True, False]
    )
    data = charts.figure_dict(fig)
    json.dumps(data)
    assert {t["name"] for t in data["data"]} == {"Incident", "In a hot spot"}


def test_chart_partial_emits_json_data_and_an_accessible_table_without_inline_script():
    fig = charts.figure_dict(_trend(["reported", "reported"]))
    html = render_to_string(
        "metrics/_chart.html",
        {
            "chart": {
                "id": "trend-1",
                "figure": fig,
                "title": "Violent crime by month",
                "caption": "Source: demo. Data through Feb 2024.",
                "headers": ["Month", "Count"],
                "rows": [["Jan 2024", 10], ["Feb 2024", 10]],
            }
        },
    )
    assert '<script id="trend-1-data" type="application/json">' in html
    assert 'data-figure="trend-1-data"' in html
    assert "<script>" not in html and "<script " not in html.replace(
        '<script id="trend-1-data" type="application/json">', ""
    )
    assert '<th scope="row">Jan 2024</th>' in html


def test_measure_figure_labels_every_point_with_its_sample_size_and_breaks_at_gaps():
    fig = charts.measure_figure(
        title="Trust in police (0–100)",
        periods=["2024-06", "2024-12", "2025-06"],
        values=[61.0, None, 64.5],
        sample_sizes=[412, None, 38],
    )
    trace = fig.data[0]
    assert list(trace.y) == [61.0, None, 64.5]
    assert trace.connectgaps is False
    assert list(trace.text) == ["n = 412", "n not recorded", "n = 38"]
    assert "text" in trace.mode


def test_a_kept_figure_is_the_figure_its_arguments_build_and_never_another():
    def drawn(counts, markers, series):
        return (
            charts.drawn_figure(
                charts.monthly_trend_figure,
                title="Violent crime",
                months=["2024-01", "2024-02"],
                counts=counts,
                statuses=["reported", "reported"],
                markers=markers,
            ),
            charts.drawn_figure(
                charts.stacked_bar_figure,
                title="TA hours",
                categories=["Jan 2024"],
                series=series,
                y_title="Hours",
            ),
        )

    start = [charts.TimeMarker("2024-02", "Engagement start")]
    first, bars = drawn([10, 12], start, {"Gun violence": [2.0], "Data": [1.0]})
    assert first == charts.figure_dict(
        charts.monthly_trend_figure(
            title="Violent crime",
            months=["2024-01", "2024-02"],
            counts=[10, 12],
            statuses=["reported", "reported"],
            markers=start,
        )
    )
    first["data"][0]["y"] = [0, 0]  # a caller changing its copy changes no one else's
    again, _ = drawn([10, 12], start, {"Gun violence": [2.0], "Data": [1.0]})
    assert again["data"][0]["y"] == [10, 12]
    # Any argument that differs draws another figure: a count, a marker, the order of traces.
    assert drawn([10, 13], start, {})[0]["data"][0]["y"] == [10, 13]
    moved = drawn([10, 12], [charts.TimeMarker("2024-01", "Engagement start")], {})[0]
    assert moved != again
    _, swapped = drawn([10, 12], start, {"Data": [1.0], "Gun violence": [2.0]})
    assert [t["name"] for t in swapped["data"]] == ["Data", "Gun violence"]
    assert [t["name"] for t in bars["data"]] == ["Gun violence", "Data"]
