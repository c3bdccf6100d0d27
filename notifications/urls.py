"""URLs of notifications (mounted at the site root; paths spelled out in full)."""

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:pk>/read/", views.notification_read, name="read"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("notifications/email-log/", views.email_log, name="email_log"),
    path("notifications/email-log/<int:pk>/resend/", views.email_resend, name="email_resend"),
    path("sites/<slug:slug>/watch/", views.site_watch, name="site_watch"),
    path("ta-requests/<int:pk>/watch/", views.ta_request_watch, name="ta_request_watch"),
]
