from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from metrics.models import Offense


@admin.register(Offense)
class OffenseAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_derived")
    search_fields = ("name", "code")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
