"""The export contract of ``manage.py export_metrics`` (docs/metrics.md §9).

JSON: one document ``{"site", "data_through", "computed_at", "results": [...]}``, each result
``{"metric", "offense", "params", "status", "reason", "flags", "evidence_tier", "value"}``.
CSV: the same data flattened, one row per leaf value of ``value`` (``field`` is its dotted path,
series points addressed by their month or year), so a spreadsheet can filter on any column.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from metrics.selectors.results import site_results
from psp.core.exports import neutralise
from sites.models import Site

CSV_COLUMNS = [
    "site",
    "data_through",
    "computed_at",
    "metric",
    "offense",
    "params",
    "status",
    "reason",
    "flags",
    "evidence_tier",
    "field",
    "value",
]


def export_document(site: Site) -> dict[str, Any]:
    """The JSON export of ``site``'s stored results."""
    results = list(site_results(site))
    through = max((r.data_through for r in results if r.data_through), default=None)
    computed = max((r.computed_at for r in results), default=None)
    return {
        "site": site.slug,
        "data_through": None if through is None else f"{through:%Y-%m}",
        "computed_at": None if computed is None else computed.isoformat(),
        "results": [
            {
                "metric": r.metric,
                "offense": r.offense or None,
                "params": r.params,
                "status": r.status,
                "reason": r.reason or None,
                "flags": r.flags,
                "evidence_tier": r.evidence_tier,
                "value": r.value,
            }
            for r in results
        ],
    }


def export_json(site: Site) -> str:
    """The JSON export as text (strict JSON: no NaN or Infinity)."""
    return json.dumps(export_document(site), indent=2, ensure_ascii=False, allow_nan=False)


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        if all(isinstance(v, dict) and ("month" in v or "year" in v) for v in value) and value:
            for item in value:
                label = item.get("month") or item.get("year")
                rest = {k: v for k, v in item.items() if k not in ("month", "year")}
                yield from _leaves(rest, f"{path}[{label}]")
        elif all(not isinstance(v, dict | list) for v in value):
            yield path, ";".join("" if v is None else str(v) for v in value)
        else:
            for i, item in enumerate(value):
                yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    try:
        float(text)  # a number written as text ("-25.0") is no formula
    except ValueError:
        return neutralise(text)
    return text


def export_csv(site: Site) -> str:
    """The CSV export: the JSON document flattened to one row per value."""
    doc = export_document(site)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in doc["results"]:
        head = [
            doc["site"],
            doc["data_through"] or "",
            doc["computed_at"] or "",
            r["metric"],
            r["offense"] or "",
            json.dumps(r["params"], sort_keys=True),
            r["status"],
            r["reason"] or "",
            ";".join(r["flags"]),
            "" if r["evidence_tier"] is None else r["evidence_tier"],
        ]
        leaves = list(_leaves(r["value"])) or [("", None)]
        for field, value in leaves:
            writer.writerow([_cell(c) for c in head] + [field, _cell(value)])
    return out.getvalue()
