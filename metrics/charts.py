"""Pure plotly figure builders for the dashboards: data in, figure out.

No ORM and no request here, so every figure is testable without a browser. Views pass
``figure_dict(fig)`` to a template, which emits it with ``json_script``; ``static/js/charts.js``
draws it (no inline script, so the Content-Security-Policy stays ``script-src 'self'``).
Colour is never the only signal: trends also differ by marker symbol and carry words.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

# USWDS-like palette with enough contrast on white.
INK = "#1b1b1b"
BLUE = "#005ea2"
GREY = "#71767a"
ORANGE = "#c05600"
GREEN = "#00a91c"
RED = "#d83933"
FONT = "Source Sans Pro Web, Helvetica Neue, Helvetica, Roboto, Arial, sans-serif"

TREND_STYLE: dict[str, tuple[str, str, str]] = {
    # trend key: (colour, marker symbol, words shown beside the colour)
    "down": (GREEN, "triangle-down", "falling"),
    "up": (RED, "triangle-up", "rising"),
    "flat": (BLUE, "circle", "no clear change"),
    "unknown": (GREY, "square-open", "not enough data"),
}


@dataclass(frozen=True)
class TimeMarker:
    """A dated event drawn as a vertical line on a time axis (e.g. "Engagement start")."""

    month: str  # "YYYY-MM"
    label: str


@dataclass(frozen=True)
class MapSite:
    name: str
    latitude: float
    longitude: float
    trend: str  # a key of TREND_STYLE
    detail: str  # e.g. "Violent crime 12-month total 1,234 → 1,100 (−10.9%, z −2.8)"


def _layout(title: str, y_title: str, height: int = 320) -> dict[str, Any]:
    return {
        "title": {"text": title, "font": {"size": 16}},
        "font": {"family": FONT, "color": INK, "size": 13},
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "gridcolor": "#dfe1e2"},
        "xaxis": {"type": "date", "gridcolor": "#dfe1e2"},
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "x unified",
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
    }


def _month_index(month: str) -> int:
    year, mon = month[:7].split("-")
    return int(year) * 12 + int(mon) - 1


def marker_rows(markers: Sequence[TimeMarker], span_months: int, plot_px: int = 640) -> list[int]:
    """A label row for each marker so that no two labels overlap: a marker goes in the first row
    whose last label ends before it starts (label width estimated from its length at the chart's
    font, in months of the x axis); row 0 is the top of the chart."""
    px_per_month = plot_px / max(span_months, 1)
    order = sorted(range(len(markers)), key=lambda i: markers[i].month)
    ends: list[float] = []  # per row: the month where its last label ends
    rows = [0] * len(markers)
    for i in order:
        start = _month_index(markers[i].month)
        width = (len(markers[i].label) * 6.5 + 8) / px_per_month
        row = next((r for r, end in enumerate(ends) if end <= start), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = start + width
        rows[i] = row
    return rows


def _x_span_months(fig: go.Figure, markers: Sequence[TimeMarker]) -> int:
    months = [_month_index(m.month) for m in markers]
    for trace in fig.data:
        xs = [str(x) for x in (getattr(trace, "x", None) or ()) if x is not None]
        months += [_month_index(x) for x in xs if len(x) >= 7 and x[4] == "-"]
    return max(months) - min(months) + 1 if months else 1


def _add_markers(fig: go.Figure, markers: Sequence[TimeMarker]) -> None:
    rows = marker_rows(markers, _x_span_months(fig, markers))
    for marker, row in zip(markers, rows, strict=True):
        x = f"{marker.month}-01"
        fig.add_shape(
            type="line",
            x0=x,
            x1=x,
            xref="x",
            y0=0,
            y1=1,
            yref="paper",
            line={"color": GREY, "width": 1.5, "dash": "dash"},
        )
        fig.add_annotation(
            x=x,
            y=1 - 0.08 * row,
            xref="x",
            yref="paper",
            text=marker.label,
            showarrow=False,
            xanchor="left",
            font={"size": 11, "color": INK},
            bgcolor="rgba(255,255,255,0.8)",
        )


def monthly_trend_figure(
    *,
    title: str,
    months: Sequence[str],
    counts: Sequence[int | None],
    statuses: Sequence[str],
    markers: Sequence[TimeMarker] = (),
    y_title: str = "Count per month",
) -> go.Figure:
    """Monthly counts as a line that breaks at missing months (never drawn as zero).

    Provisional and suspect months are drawn again as open markers with their own legend
    entries, so the status is told by shape and label, not colour alone.
    """
    x = [f"{m}-01" for m in months]
    y = [c if s != "missing" else None for c, s in zip(counts, statuses, strict=True)]
    fig = go.Figure(layout=_layout(title, y_title))
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            name="Reported",
            mode="lines+markers",
            connectgaps=False,
            line={"color": BLUE, "width": 2},
            marker={"size": 4, "color": BLUE},
        )
    )
    for status, symbol, colour in (
        ("provisional", "circle-open", ORANGE),
        ("suspect", "x-open", RED),
    ):
        picked = [(xi, yi) for xi, yi, s in zip(x, y, statuses, strict=True) if s == status]
        if picked:
            fig.add_trace(
                go.Scatter(
                    x=[p[0] for p in picked],
                    y=[p[1] for p in picked],
                    name=status.capitalize(),
                    mode="markers",
                    marker={"symbol": symbol, "size": 10, "color": colour, "line": {"width": 2}},
                )
            )
    missing = [xi for xi, s in zip(x, statuses, strict=True) if s == "missing"]
    if missing:
        fig.add_annotation(
            text=f"{len(missing)} missing month{'s' if len(missing) != 1 else ''}: line breaks",
            xref="paper",
            yref="paper",
            x=1,
            y=1.12,
            showarrow=False,
            xanchor="right",
            font={"size": 11, "color": INK},
        )
    _add_markers(fig, markers)
    return fig


def rolling_figure(
    *,
    title: str,
    months: Sequence[str],
    totals: Sequence[int | None],
    markers: Sequence[TimeMarker] = (),
) -> go.Figure:
    """Rolling 12-month totals; a window that touches a missing month is a gap."""
    fig = go.Figure(layout=_layout(title, "12-month total"))
    fig.add_trace(
        go.Scatter(
            x=[f"{m}-01" for m in months],
            y=list(totals),
            name="Rolling 12-month total",
            mode="lines",
            connectgaps=False,
            line={"color": BLUE, "width": 2.5},
        )
    )
    _add_markers(fig, markers)
    return fig


def sites_map_figure(sites: Sequence[MapSite], *, title: str = "Sites by trend") -> go.Figure:
    """Sites on a U.S. map, one trace per trend so colour, symbol and legend words agree."""
    fig = go.Figure()
    for trend, (colour, symbol, words) in TREND_STYLE.items():
        group = [s for s in sites if s.trend == trend]
        if not group:
            continue
        fig.add_trace(
            go.Scattergeo(
                lat=[s.latitude for s in group],
                lon=[s.longitude for s in group],
                text=[f"{s.name}: {s.detail}" for s in group],
                hoverinfo="text",
                name=f"{words.capitalize()} ({len(group)})",
                mode="markers",
                marker={
                    "size": 12,
                    "color": colour,
                    "symbol": symbol,
                    "line": {"width": 1, "color": INK},
                },
            )
        )
    fig.update_layout(
        title={"text": title, "font": {"size": 16}},
        font={"family": FONT, "color": INK, "size": 13},
        height=420,
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        legend={"orientation": "h", "y": -0.05},
        geo={
            "scope": "usa",
            "projection": {"type": "albers usa"},
            "showland": True,
            "landcolor": "#f0f0f0",
            "subunitcolor": "#a9aeb1",
            "resolution": 110,
        },
    )
    return fig


def stacked_bar_figure(
    *, title: str, categories: Sequence[str], series: dict[str, Sequence[float]], y_title: str
) -> go.Figure:
    """Stacked bars, e.g. TA hours per month stacked by core area."""
    fig = go.Figure(layout=_layout(title, y_title))
    fig.update_layout(barmode="stack", xaxis={"type": "category"})
    for name, values in series.items():
        fig.add_trace(go.Bar(x=list(categories), y=list(values), name=name))
    return fig


POINT_TRACES = (
    # (hot, default name, colour, symbol): the traces of the incident-points figure, in order
    (False, "Incident", GREY, "circle"),
    (True, "In a hot spot", RED, "diamond"),
)


def points_figure(
    *,
    title: str,
    latitudes: Sequence[float],
    longitudes: Sequence[float],
    hot: Sequence[bool] | None = None,
) -> go.Figure:
    """Incident points on projected coordinates (no map tiles, works offline); hot-spot
    points, when given, are a separate trace with their own symbol and legend entry.

    Drawn as SVG (not WebGL): browsers without WebGL — locked-down desktops, headless ones —
    still show the points; callers cap the number of points."""
    hot = list(hot) if hot is not None else [False] * len(latitudes)
    fig = go.Figure(layout=_layout(title, "Latitude", height=420))
    fig.update_layout(
        xaxis={"type": "linear", "title": {"text": "Longitude"}},
        yaxis={"scaleanchor": "x", "rangemode": "normal"},
        hovermode="closest",
    )
    for flag, name, colour, symbol in POINT_TRACES:
        idx = [i for i, h in enumerate(hot) if h is flag]
        if idx:
            fig.add_trace(
                go.Scatter(
                    x=[longitudes[i] for i in idx],
                    y=[latitudes[i] for i in idx],
                    name=name,
                    mode="markers",
                    marker={"size": 5, "color": colour, "symbol": symbol, "opacity": 0.6},
                )
            )
    return fig


@functools.cache
def _points_layout_json(title: str) -> str:
    empty = points_figure(title=title, latitudes=[], longitudes=[])
    return json.dumps(figure_dict(empty)["layout"])


def points_dict(
    *,
    title: str,
    latitudes: Sequence[float],
    longitudes: Sequence[float],
    hot: Sequence[bool],
    hot_name: str = "In a hot spot",
) -> dict[str, Any]:
    """``figure_dict(points_figure(...))``, with the hot trace named ``hot_name``, without
    building plotly objects.

    The engine draws a site's incident map each time it stores results: plotly's validation
    and serialisation of 5,000 points cost ~25 ms of the ~0.8 s a typical site takes. The layout
    is built by plotly once per title, the traces are written as the JSON plotly emits (tests
    compare the two)."""
    data = []
    for flag, name, colour, symbol in POINT_TRACES:
        idx = [i for i, h in enumerate(hot) if h is flag]
        if idx:
            data.append(
                {
                    "marker": {"color": colour, "opacity": 0.6, "size": 5, "symbol": symbol},
                    "mode": "markers",
                    "name": hot_name if flag else name,
                    "x": [longitudes[i] for i in idx],
                    "y": [latitudes[i] for i in idx],
                    "type": "scatter",
                }
            )
    return {"data": data, "layout": json.loads(_points_layout_json(title))}


def sparkline_points(
    values: Sequence[float | None], width: int = 120, height: int = 28
) -> list[str]:
    """SVG polyline point strings for a server-rendered sparkline; a missing value splits
    the line into separate segments (never drawn as zero)."""
    present = [v for v in values if v is not None]
    if len(values) < 2 or not present:
        return []
    lo, hi = min(present), max(present)
    span = (hi - lo) or 1.0
    step = width / (len(values) - 1)
    segments: list[str] = []
    current: list[str] = []
    for i, v in enumerate(values):
        if v is None:
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        y = height - 2 - (v - lo) / span * (height - 4)
        current.append(f"{i * step:.1f},{y:.1f}")
    if current:
        segments.append(" ".join(current))
    return segments


def figure_dict(fig: go.Figure) -> dict[str, Any]:
    """The figure as plain JSON types (numpy arrays become lists) for ``json_script``."""
    figure: dict[str, Any] = json.loads(fig.to_json())  # plotly's figure JSON: an object
    return figure


DRAWN_MAX = 512  # figures kept per process (a 10-year monthly chart is ~15 kB of JSON)
_drawn: OrderedDict[tuple[str, str], str] = OrderedDict()
_drawn_lock = threading.Lock()


def _argument_text(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [type(obj).__name__, dataclasses.asdict(obj)]
    if isinstance(obj, dt.date | Decimal):
        return str(obj)
    raise TypeError(f"cannot key a figure on {type(obj).__name__}")


def drawn_figure(builder: Callable[..., go.Figure], **arguments: Any) -> dict[str, Any]:
    """``figure_dict(builder(**arguments))``, kept per process for the same builder and
    arguments: the builders are pure functions of their arguments, so the kept JSON is the
    figure they would build again, and plotly spends 10–30 ms building and serialising each one
    (site dashboard: three to five per view). Each call returns a fresh copy."""
    key = (
        f"{builder.__module__}.{builder.__qualname__}",
        json.dumps(arguments, default=_argument_text),  # dict order kept: it is trace order
    )
    with _drawn_lock:
        text = _drawn.get(key)
        if text is not None:
            _drawn.move_to_end(key)
    if text is None:
        text = builder(**arguments).to_json()
        with _drawn_lock:
            _drawn[key] = text
            while len(_drawn) > DRAWN_MAX:
                _drawn.popitem(last=False)
    figure: dict[str, Any] = json.loads(text)  # plotly's figure JSON: an object
    return figure


def measure_figure(
    *,
    title: str,
    periods: Sequence[str],
    values: Sequence[float | None],
    sample_sizes: Sequence[int | None],
    y_title: str = "Score",
) -> go.Figure:
    """A survey measure over time (e.g. a 0–100 trust score), each point labelled with its
    sample size so a small sample is visible as such; a missing value breaks the line."""
    fig = go.Figure(layout=_layout(title, y_title))
    fig.add_trace(
        go.Scatter(
            x=[f"{p}-01" for p in periods],
            y=list(values),
            name=title,
            mode="lines+markers+text",
            connectgaps=False,
            text=["n not recorded" if n is None else f"n = {n:,}" for n in sample_sizes],
            textposition="top center",
            line={"color": BLUE, "width": 2},
            marker={"size": 7, "color": BLUE},
        )
    )
    return fig


@functools.cache
def _sites_map_layout_json(title: str) -> str:
    return json.dumps(figure_dict(sites_map_figure([], title=title))["layout"])


def sites_map_dict(sites: Sequence[MapSite], *, title: str = "Sites by trend") -> dict[str, Any]:
    """``figure_dict(sites_map_figure(sites, title=title))`` without building plotly objects.

    The portfolio maps every site on each view: plotly's validation of a few hundred markers cost
    ~40 ms a request. The layout (with plotly's template) is built by plotly once per title and
    the traces are written as the JSON plotly emits (tests compare the two)."""
    data = []
    for trend, (colour, symbol, words) in TREND_STYLE.items():
        group = [s for s in sites if s.trend == trend]
        if not group:
            continue
        data.append(
            {
                "hoverinfo": "text",
                "lat": [s.latitude for s in group],
                "lon": [s.longitude for s in group],
                "marker": {
                    "color": colour,
                    "line": {"color": INK, "width": 1},
                    "size": 12,
                    "symbol": symbol,
                },
                "mode": "markers",
                "name": f"{words.capitalize()} ({len(group)})",
                "text": [f"{s.name}: {s.detail}" for s in group],
                "type": "scattergeo",
            }
        )
    return {"data": data, "layout": json.loads(_sites_map_layout_json(title))}
