"""Django admin for sites and their people: searchable, filterable, autocomplete (no raw ids)."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from sites.models import (
    Agency,
    Cohort,
    Contact,
    PhaseChange,
    Site,
    SiteMembership,
    SitePopulation,
)


class AgencyInline(admin.TabularInline):
    model = Agency
    extra = 0


class MembershipInline(admin.TabularInline):
    model = SiteMembership
    extra = 0
    autocomplete_fields = ("user",)


class PopulationInline(admin.TabularInline):
    """Population by year (docs/metrics.md §7.6); rates of a year use its row."""

    model = SitePopulation
    extra = 0


class PhaseChangeInline(admin.TabularInline):
    model = PhaseChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_phase", "to_phase", "changed_by", "changed_at", "reason")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Cohort)
class CohortAdmin(SimpleHistoryAdmin):
    list_display = ("name", "year", "announced_on")
    search_fields = ("name",)


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "state",
        "kind",
        "cohort",
        "phase",
        "engagement_start",
        "program_manager",
    )
    list_filter = ("phase", "cohort", "kind", "state")
    search_fields = ("name", "slug", "state")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("program_manager", "cohort")
    inlines = (AgencyInline, MembershipInline, PopulationInline, PhaseChangeInline)
    # Phase moves go through the site page so the reason is recorded.
    readonly_fields = ("phase",)


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "site")
    list_filter = ("kind", "site__state")
    search_fields = ("name", "site__name")
    autocomplete_fields = ("site",)


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ("name", "title", "agency", "email")
    list_filter = ("agency__kind",)
    search_fields = ("name", "email", "agency__name", "agency__site__name")
    autocomplete_fields = ("agency",)


@admin.register(SiteMembership)
class SiteMembershipAdmin(SimpleHistoryAdmin):
    list_display = ("user", "site", "role", "created_at")
    list_filter = ("role", "site")
    search_fields = ("user__email", "user__full_name", "site__name")
    autocomplete_fields = ("user", "site")
