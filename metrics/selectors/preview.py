"""What a checked monthly-counts file would change, shown on its preview before anyone confirms:
the first rows as parsed, and for every value the file holds whether it is new, unchanged or
revised (stored value, new value, difference), in one read of the file and one query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from metrics.intake import base
from metrics.models import MonthlyCount, Upload, UploadKind, UploadStatus
from metrics.services.uploads import _parser, _scan

FIRST_ROWS = 10


@dataclass(frozen=True)
class Change:
    """One value of the file against what is stored: ``stored`` is None for a new value."""

    month: dt.date
    offense: str
    stored: int | None
    new: int

    @property
    def difference(self) -> int | None:
        return None if self.stored is None else self.new - self.stored


@dataclass
class PreviewDiff:
    first_rows: list[dict[str, object]] = field(default_factory=list)
    added: list[Change] = field(default_factory=list)
    revised: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def needs_reason(self) -> bool:
        """A value already submitted would change: the file needs one reason."""
        return bool(self.revised)


def preview_diff(upload: Upload) -> PreviewDiff | None:
    """The diff of a checked (``validated``) monthly-counts upload against the stored counts;
    ``None`` for any other upload."""
    if upload.kind != UploadKind.MONTHLY_COUNTS or upload.status != UploadStatus.VALIDATED:
        return None
    frames: list[pd.DataFrame] = []

    def keep(clean: pd.DataFrame, scan: base.Scan) -> None:
        frames.append(clean)

    _scan(upload, _parser(upload), keep)
    diff = PreviewDiff()
    if not frames:
        return diff
    rows = pd.concat(frames, ignore_index=True).rename(columns={"_row": "row_no"})
    rows = rows.sort_values("row_no")
    months = sorted(set(rows["month"]))
    stored = {
        (month, code): count
        for month, code, count in MonthlyCount.objects.filter(
            site_id=upload.site_id, month__in=months
        ).values_list("month", "offense__code", "count")
    }
    columns = (rows["row_no"], rows["month"], rows["offense"], rows["count"])
    for row_no, month, code, value in zip(*columns, strict=True):
        count = int(value)
        if len(diff.first_rows) < FIRST_ROWS:
            diff.first_rows.append(
                {"row": int(row_no), "month": month, "offense": code, "count": count}
            )
        before = stored.get((month, code))
        change = Change(month=month, offense=str(code), stored=before, new=count)
        if before is None:
            diff.added.append(change)
        elif before == change.new:
            diff.unchanged += 1
        else:
            diff.revised.append(change)
    return diff
