"""Django admin for the engagements app: read and correct; history kept by simple_history."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from engagements.models import (
    ActionItem,
    Activity,
    CoreArea,
    Engagement,
    Milestone,
    PeerExchange,
    Recommendation,
    TARequest,
    TARequestEvent,
)


@admin.register(CoreArea)
class CoreAreaAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order")
    search_fields = ("name",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the eight core areas are fixed

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Engagement)
class EngagementAdmin(SimpleHistoryAdmin):
    list_display = ("site", "core_area", "status", "priority", "lead")
    list_filter = ("status", "core_area")
    list_select_related = ("site", "core_area", "lead")


@admin.register(Recommendation)
class RecommendationAdmin(SimpleHistoryAdmin):
    list_display = ("engagement", "number", "status", "source")
    list_select_related = ("engagement__site", "engagement__core_area")


@admin.register(ActionItem)
class ActionItemAdmin(SimpleHistoryAdmin):
    list_display = ("title", "engagement", "owner", "due_on", "status")
    list_filter = ("status",)
    list_select_related = ("engagement__site", "engagement__core_area")


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ("title", "site", "kind", "due_on", "completed_on")
    list_filter = ("kind",)
    list_select_related = ("site",)


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ("date", "site", "kind", "duration_hours", "mode", "logged_by")
    list_filter = ("kind", "mode")
    list_select_related = ("site", "logged_by")
    raw_id_fields = ("site", "engagement", "logged_by")
    filter_horizontal = ("core_areas",)
    date_hierarchy = "date"


class TARequestEventInline(admin.TabularInline):
    model = TARequestEvent
    extra = 0
    readonly_fields = ("from_status", "to_status", "actor", "at", "note")
    can_delete = False


@admin.register(TARequest)
class TARequestAdmin(SimpleHistoryAdmin):
    list_display = ("pk", "site", "core_area", "status", "requested_by", "submitted_at")
    list_filter = ("status", "core_area")
    list_select_related = ("site", "core_area", "requested_by")
    raw_id_fields = ("delivered_by",)
    inlines = [TARequestEventInline]


@admin.register(PeerExchange)
class PeerExchangeAdmin(SimpleHistoryAdmin):
    list_display = ("topic", "host_site", "visiting_site", "date", "practice_adopted")
    list_select_related = ("host_site", "visiting_site")
