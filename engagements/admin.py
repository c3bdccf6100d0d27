from django.contrib import admin

from engagements.models import CoreArea


@admin.register(CoreArea)
class CoreAreaAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order")
    search_fields = ("name",)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False  # the eight core areas are fixed

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
