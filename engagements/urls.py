"""URLs of the engagements app (mounted at the site root; paths are spelled out in full here)."""

from django.urls import path

from engagements.views import (
    activities,
    documents,
    exchanges,
    mywork,
    people,
    plans,
    records,
    requests,
)

app_name = "engagements"

urlpatterns = [
    path("my-work/", mywork.my_work, name="my_work"),
    # People: a person's sites and roles, reassigning a departing liaison (administrators)
    path("people/<int:pk>/sites/", people.person_sites, name="person_sites"),
    path(
        "people/<int:pk>/sites/<int:site_pk>/remove/",
        people.person_site_remove,
        name="person_site_remove",
    ),
    path("people/<int:pk>/reassign/", people.person_reassign, name="person_reassign"),
    # Activities
    path("activities/", activities.activity_list, name="activities"),
    path("activities/export.csv", activities.activity_export_csv, name="export_csv"),
    path("activities/export.xlsx", activities.activity_export_xlsx, name="export_xlsx"),
    path("activities/log/", activities.activity_log_start, name="activity_log_start"),
    path("activities/<int:pk>/", records.activity_detail, name="activity"),
    path("activities/<int:pk>/edit/", activities.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/again/", activities.activity_again, name="activity_again"),
    path("activities/<int:pk>/delete/", activities.activity_delete, name="activity_delete"),
    path("activities/<int:pk>/restore/", activities.activity_restore, name="activity_restore"),
    path("sites/<slug:slug>/activities/log/", activities.activity_log, name="activity_log"),
    path("sites/<slug:slug>/timeline/", activities.timeline, name="timeline"),
    # Plans
    path("sites/<slug:slug>/plan/", plans.plan, name="plan"),
    path("sites/<slug:slug>/engagements/add/", plans.engagement_add, name="engagement_add"),
    path("sites/<slug:slug>/engagements/<int:pk>/", plans.engagement_detail, name="engagement"),
    path(
        "sites/<slug:slug>/engagements/<int:pk>/edit/",
        plans.engagement_edit,
        name="engagement_edit",
    ),
    path(
        "sites/<slug:slug>/engagements/<int:pk>/recommendations/add/",
        plans.recommendation_add,
        name="recommendation_add",
    ),
    path(
        "sites/<slug:slug>/engagements/<int:pk>/action-items/add/",
        plans.action_item_add,
        name="action_item_add",
    ),
    path("action-items/<int:pk>/", records.action_item_detail, name="action_item"),
    path("action-items/<int:pk>/status/", plans.action_item_status, name="action_item_status"),
    path("recommendations/<int:pk>/", records.recommendation_detail, name="recommendation"),
    path("milestones/<int:pk>/", records.milestone_detail, name="milestone"),
    path("sites/<slug:slug>/milestones/add/", plans.milestone_add, name="milestone_add"),
    path("milestones/<int:pk>/toggle/", plans.milestone_toggle, name="milestone_toggle"),
    # TA requests
    path("sites/<slug:slug>/ta-requests/", requests.ta_request_list, name="ta_requests"),
    path("sites/<slug:slug>/ta-requests/new/", requests.ta_request_new, name="ta_request_new"),
    path("ta-requests/<int:pk>/", requests.ta_request_detail, name="ta_request"),
    path(
        "ta-requests/<int:pk>/transition/",
        requests.ta_request_transition,
        name="ta_request_transition",
    ),
    # Documents
    path("sites/<slug:slug>/documents/", documents.documents, name="documents"),
    path("documents/<int:pk>/download/", documents.document_download, name="document_download"),
    # Peer exchanges
    path(
        "sites/<slug:slug>/peer-exchanges/new/",
        exchanges.peer_exchange_new,
        name="peer_exchange_new",
    ),
    path("peer-exchanges/<int:pk>/", exchanges.peer_exchange_detail, name="peer_exchange"),
    path(
        "peer-exchanges/<int:pk>/follow-up/",
        exchanges.peer_exchange_follow_up,
        name="peer_exchange_follow_up",
    ),
]
