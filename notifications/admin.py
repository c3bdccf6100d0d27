"""Django admin views of notifications (the outgoing email log has its own page for re-sending)."""

from django.contrib import admin

from notifications.models import Notification, OutboxEmail, Preference, Watch


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ("to", "subject", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("to", "subject")
    readonly_fields = [f.name for f in OutboxEmail._meta.fields]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "title", "created_at", "read_at")
    list_filter = ("kind",)


admin.site.register(Preference)
admin.site.register(Watch)
