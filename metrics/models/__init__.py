"""Models of the metrics app: offense codes, uploads, outcome data and data-quality flags."""

from metrics.models.offenses import OFFENSES, Offense
from metrics.models.outcomes import (
    Incident,
    IncidentQuerySet,
    MonthlyCount,
    MonthlyCountQuerySet,
    MonthlyCountRevision,
    MonthStatus,
    TrustMeasure,
)
from metrics.models.quality import RULES, DataQualityFlag, FlagStatus, StructuralBreak
from metrics.models.results import MetricResult, MetricRun, ResultStatus, RunStatus, RunTrigger
from metrics.models.uploads import ColumnMapping, Upload, UploadKind, UploadStatus

__all__ = [
    "OFFENSES",
    "ResultStatus",
    "RunStatus",
    "RunTrigger",
    "ColumnMapping",
    "DataQualityFlag",
    "FlagStatus",
    "Incident",
    "MetricResult",
    "MetricRun",
    "IncidentQuerySet",
    "MonthStatus",
    "MonthlyCount",
    "MonthlyCountQuerySet",
    "MonthlyCountRevision",
    "Offense",
    "RULES",
    "StructuralBreak",
    "TrustMeasure",
    "Upload",
    "UploadKind",
    "UploadStatus",
]
