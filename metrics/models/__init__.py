"""Models of the metrics app: offense codes, uploads, outcome data and data-quality flags."""

from metrics.models.comparison import (
    ComparisonCount,
    ComparisonLink,
    ComparisonPlace,
    ComparisonPool,
    PooledEffect,
)
from metrics.models.offenses import OFFENSES, Offense
from metrics.models.outcomes import (
    Incident,
    IncidentAggregate,
    IncidentQuerySet,
    IncidentVersion,
    MonthlyCount,
    MonthlyCountQuerySet,
    MonthlyCountRevision,
    MonthStatus,
    TrustMeasure,
)
from metrics.models.preregistration import (
    POOL_RULES,
    ComparisonRule,
    Preregistration,
)
from metrics.models.quality import RULES, DataQualityFlag, FlagStatus, StructuralBreak
from metrics.models.results import (
    HotSpotMap,
    MetricResult,
    MetricRun,
    ResultStatus,
    RunStatus,
    RunTrigger,
)
from metrics.models.stewardship import (
    DEFAULT_DUE_DAYS,
    MonthReview,
    MonthReviewEvent,
    ReportingSchedule,
    ReviewAction,
    ReviewState,
)
from metrics.models.uploads import (
    ColumnMapping,
    Revision,
    Upload,
    UploadKind,
    UploadStats,
    UploadStatus,
    UploadSummary,
)

__all__ = [
    "ComparisonRule",
    "POOL_RULES",
    "Preregistration",
    "ComparisonCount",
    "ComparisonLink",
    "ComparisonPlace",
    "ComparisonPool",
    "PooledEffect",
    "DEFAULT_DUE_DAYS",
    "MonthReview",
    "MonthReviewEvent",
    "ReportingSchedule",
    "ReviewAction",
    "ReviewState",
    "OFFENSES",
    "ResultStatus",
    "RunStatus",
    "RunTrigger",
    "ColumnMapping",
    "DataQualityFlag",
    "FlagStatus",
    "HotSpotMap",
    "Incident",
    "MetricResult",
    "MetricRun",
    "IncidentAggregate",
    "IncidentQuerySet",
    "IncidentVersion",
    "MonthStatus",
    "MonthlyCount",
    "MonthlyCountQuerySet",
    "MonthlyCountRevision",
    "Offense",
    "RULES",
    "StructuralBreak",
    "TrustMeasure",
    "Revision",
    "Upload",
    "UploadKind",
    "UploadStats",
    "UploadStatus",
    "UploadSummary",
]
