from django.contrib import admin

from metrics.models import Offense


@admin.register(Offense)
class OffenseAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_derived")
    search_fields = ("name", "code")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
