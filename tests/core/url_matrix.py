"""The permission matrix: who may GET every URL of the project (issue 21, acceptance 5).

``tests/core/test_url_matrix.py`` walks every URL pattern × every role over the demo data and
checks each answer against the rule named here; a URL pattern with no entry fails the test, so a
new view cannot ship without a decision about who may open it. To add a URL: add its name with a
rule, and with ``objects`` naming the model whose demo row fills each ``pk`` of the pattern (an
app's own rules may be added to ``RULES`` the same way).

Roles (demo users): ``anonymous``; ``admin``; ``pm`` (BJA staff); ``auditor`` (read-only staff);
``liaison`` and ``partner`` (members of Tampa, the site every ``slug`` points at);
``stranger`` (a liaison of other sites only).
"""

from __future__ import annotations

ROLES = ["anonymous", "admin", "pm", "auditor", "liaison", "partner", "stranger"]
USERS = {
    "admin": "admin@psp.example",
    "pm": "pm@psp.example",
    "auditor": "auditor@psp.example",
    "liaison": "liaison@psp.example",
    "partner": "partner@psp.example",
    "stranger": "liaison2@psp.example",
}
SITE = "tampa"

# What a GET answers, by rule: "ok" (2xx/3xx other than the sign-in redirect), "login" (to the
# sign-in page), "unauthorized" (401), "denied" (403 or 404), "method" (405), "any" (anything
# but a server error; no entry uses it today).
STAFF = {"admin": "ok", "pm": "ok", "auditor": "ok"}
RULES: dict[str, dict[str, str]] = {
    "public": {role: "ok" for role in ROLES},
    "signed_in": {"anonymous": "login", **{r: "ok" for r in ROLES[1:]}},
    "staff": {"anonymous": "login", **STAFF, "liaison": "denied", "partner": "denied"}
    | {"stranger": "denied"},
    "admin_only": {"anonymous": "login", "admin": "ok"}
    | {r: "denied" for r in ("pm", "auditor", "liaison", "partner", "stranger")},
    "site": {"anonymous": "login", **STAFF, "liaison": "ok", "partner": "ok"}
    | {"stranger": "denied"},
    "site_editors": {"anonymous": "login", "admin": "ok", "pm": "ok", "liaison": "ok"}
    | {"auditor": "denied", "partner": "denied", "stranger": "denied"},
    "post_only": {"anonymous": "login", **{r: "method" for r in ROLES[1:]}},
    "probe_restricted": {"anonymous": "denied", "admin": "ok"}
    | {r: "denied" for r in ("pm", "auditor", "liaison", "partner", "stranger")},
    "django_admin": {"admin": "ok"}
    | {r: "login" for r in ("anonymous", "pm", "auditor", "liaison", "partner", "stranger")},
    "site_requesters": {"anonymous": "login", "admin": "ok", "pm": "ok", "liaison": "ok"}
    | {"partner": "ok", "auditor": "denied", "stranger": "denied"},
    "site_managers": {"anonymous": "login", "admin": "ok", "liaison": "ok"}
    | {r: "denied" for r in ("pm", "auditor", "partner", "stranger")},
    # The first demo peer exchange (``pk`` is not filtered by site for it) joins sites the
    # stranger serves; the partner of Tampa is not a party to it.
    "peer_exchange_parties": {"anonymous": "login", **STAFF, "liaison": "ok", "stranger": "ok"}
    | {"partner": "denied"},
    "post_for_anyone": {role: "method" for role in ROLES},
    # A URL whose demo object does not exist (no attachments are seeded): nobody finds it.
    "no_demo_object": {"anonymous": "login", **{r: "denied" for r in ROLES[1:]}},
    # The REST API (issue 18) answers an anonymous request 401, never a sign-in redirect.
    "api_signed_in": {"anonymous": "unauthorized", **{r: "ok" for r in ROLES[1:]}},
    "api_site": {"anonymous": "unauthorized", **STAFF, "liaison": "ok", "partner": "ok"}
    | {"stranger": "denied"},
    "api_peer_exchange_parties": {"anonymous": "unauthorized", **STAFF, "liaison": "ok"}
    | {"stranger": "ok", "partner": "denied"},
    "api_post_only": {"anonymous": "unauthorized", **{r: "method" for r in ROLES[1:]}},
    "unknown_token": {role: "denied" for role in ROLES},
    # django-otp-webauthn's JSON endpoints (issue 21 M4) answer POST only: 405 to a signed-in
    # GET; an anonymous request is refused (403) before the method is looked at.
    "webauthn_api": {"anonymous": "denied", **{r: "method" for r in ROLES[1:]}},
    # Registering a key also needs the existing factor checked in this session (the library's
    # own rule): the demo admin and BJA staff have an app, and a test sign-in checked none.
    "webauthn_register": {"anonymous": "denied", "admin": "denied", "pm": "denied"}
    | {r: "method" for r in ("auditor", "liaison", "partner", "stranger")},
}

# URL name → (rule, {kwarg: model label whose Tampa row (or first row) fills it}).
MATRIX: dict[str, tuple[str, dict[str, str]]] = {
    "home": ("signed_in", {}),
    "healthz": ("public", {}),
    "readyz": ("probe_restricted", {}),
    "accounts:login": ("public", {}),
    "accounts:logout": ("post_for_anyone", {}),
    "accounts:user_list": ("admin_only", {}),
    "accounts:invite": ("admin_only", {}),
    "accounts:user_detail": ("admin_only", {"pk": "accounts.User"}),
    "accounts:user_deactivate": ("post_only", {"pk": "accounts.User"}),
    "accounts:user_reactivate": ("post_only", {"pk": "accounts.User"}),
    "accounts:invitation_resend": ("post_only", {"pk": "accounts.Invitation"}),
    "accounts:invitation_revoke": ("post_only", {"pk": "accounts.Invitation"}),
    "accounts:invitation_accept": ("unknown_token", {"token": "token"}),
    # Password reset and the second factor (issue 21 M4). An unknown reset link renders the
    # "not valid" page; verify redirects a verified session on to where it was going.
    "accounts:password_reset": ("public", {}),
    "accounts:password_reset_done": ("public", {}),
    "accounts:password_reset_confirm": ("public", {}),
    "accounts:password_reset_complete": ("public", {}),
    "accounts:mfa_setup": ("signed_in", {}),
    "accounts:mfa_verify": ("signed_in", {}),
    "accounts:mfa_totp": ("signed_in", {}),
    "accounts:mfa_recovery": ("post_only", {}),
    "accounts:mfa_remove": ("post_only", {"kind": "totp", "pk": "otp_totp.TOTPDevice"}),
    "accounts:user_mfa_reset": ("post_only", {"pk": "accounts.User"}),
    "otp_webauthn:credential-registration-begin": ("webauthn_register", {}),
    "otp_webauthn:credential-registration-complete": ("webauthn_register", {}),
    "otp_webauthn:credential-authentication-begin": ("webauthn_api", {}),
    "otp_webauthn:credential-authentication-complete": ("webauthn_api", {}),
    "otp_webauthn:js-i18n-catalog": ("public", {}),
    "dashboards:portfolio": ("signed_in", {}),
    "dashboards:portfolio_export": ("signed_in", {"fmt": "csv"}),
    "dashboards:site": ("site", {}),
    "dashboards:brief": ("site", {}),
    "dashboards:core_areas": ("signed_in", {}),
    "dashboards:core_area": ("signed_in", {"code": "engagements.CoreArea"}),
    "dashboards:workload": ("staff", {}),
    "onboarding:onboard": ("admin_only", {}),
    "onboarding:onboard_bulk": ("admin_only", {}),
    "onboarding:place_search": ("admin_only", {}),
    "onboarding:milestones": ("admin_only", {}),
    "sites:detail": ("site", {}),
    "sites:edit": ("site_managers", {}),
    "sites:phase": ("admin_only", {}),
    "sites:agency_add": ("site_managers", {}),
    "engagements:my_work": ("signed_in", {}),
    "engagements:activities": ("signed_in", {}),
    "engagements:export_csv": ("signed_in", {}),
    "engagements:export_xlsx": ("signed_in", {}),
    "engagements:activity_log_start": ("signed_in", {}),
    "engagements:activity_edit": ("site_editors", {"pk": "engagements.Activity"}),
    "engagements:activity_again": ("post_only", {"pk": "engagements.Activity"}),
    "engagements:activity_log": ("site_editors", {}),
    "engagements:timeline": ("site", {}),
    "engagements:plan": ("site", {}),
    "engagements:engagement_add": ("site_editors", {}),
    "engagements:engagement": ("site", {"pk": "engagements.Engagement"}),
    "engagements:engagement_edit": ("site_editors", {"pk": "engagements.Engagement"}),
    "engagements:recommendation_add": ("site_editors", {"pk": "engagements.Engagement"}),
    "engagements:action_item_add": ("site_editors", {"pk": "engagements.Engagement"}),
    "engagements:action_item_status": ("post_only", {"pk": "engagements.ActionItem"}),
    "engagements:milestone_add": ("site_editors", {}),
    "engagements:milestone_toggle": ("post_only", {"pk": "engagements.Milestone"}),
    "engagements:ta_requests": ("site", {}),
    "engagements:ta_request_new": ("site_requesters", {}),
    "engagements:ta_request": ("site", {"pk": "engagements.TARequest"}),
    "engagements:ta_request_transition": ("post_only", {"pk": "engagements.TARequest"}),
    "engagements:peer_exchange_new": ("site_editors", {}),
    "engagements:peer_exchange": ("peer_exchange_parties", {"pk": "engagements.PeerExchange"}),
    "engagements:peer_exchange_follow_up": ("post_only", {"pk": "engagements.PeerExchange"}),
    "metrics:recompute": ("post_only", {}),
    "metrics:run_status": ("site", {"pk": "metrics.MetricRun"}),
    "metrics:data": ("site", {}),
    "metrics:upload_create": ("post_only", {}),
    "metrics:upload_detail": ("site", {"pk": "metrics.Upload"}),
    "metrics:upload_mapping": ("post_only", {"pk": "metrics.Upload"}),
    "metrics:upload_confirm": ("post_only", {"pk": "metrics.Upload"}),
    "metrics:upload_status": ("site", {"pk": "metrics.Upload"}),
    "metrics:upload_file": ("site", {"pk": "metrics.Upload"}),
    "metrics:upload_requeue": ("post_only", {"pk": "metrics.Upload"}),
    "metrics:upload_retry": ("post_only", {"pk": "metrics.Upload"}),
    "metrics:upload_discard": ("post_only", {"pk": "metrics.Upload"}),
    "metrics:flag_update": ("post_only", {"pk": "metrics.DataQualityFlag"}),
    "metrics:flags_bulk": ("post_only", {}),
    "metrics:months_review": ("post_only", {}),
    "metrics:schedule_update": ("post_only", {}),
    "metrics:comparison_link": ("admin_only", {}),
    "metrics:preregistration": ("site", {}),
    "metrics:reporting_setup": ("site", {}),
    "sites:population": ("admin_only", {}),
    # Reporting (issue 14), search and people, records and documents (issue 16)
    "dashboards:reporting": ("signed_in", {}),
    "dashboards:reporting_export": ("signed_in", {"fmt": "csv"}),
    "dashboards:site_reporting": ("site", {}),
    "dashboards:search": ("signed_in", {}),
    "engagements:activity": ("site", {"pk": "engagements.Activity"}),
    "engagements:activity_delete": ("post_only", {"pk": "engagements.Activity"}),
    "engagements:activity_restore": ("post_only", {"pk": "engagements.Activity"}),
    "engagements:action_item": ("site", {"pk": "engagements.ActionItem"}),
    "engagements:recommendation": ("site", {"pk": "engagements.Recommendation"}),
    "engagements:milestone": ("site", {"pk": "engagements.Milestone"}),
    "engagements:documents": ("site", {}),
    "engagements:document_download": ("no_demo_object", {"pk": "engagements.Attachment"}),
    "engagements:person_sites": ("admin_only", {"pk": "accounts.User"}),
    "engagements:person_reassign": ("admin_only", {"pk": "accounts.User"}),
    "engagements:person_site_remove": (
        "post_only",
        {"pk": "accounts.User", "site_pk": "sites.Site"},
    ),
    # The REST API (issue 18)
    "api:schema": ("api_signed_in", {}),
    "api:docs": ("api_signed_in", {}),
    "api:tokens": ("signed_in", {}),
    "api:token_revoke": ("post_only", {"pk": "api.ApiToken"}),
    "api:site-list": ("api_signed_in", {}),
    "api:site-detail": ("api_site", {}),
    "api:cohort-list": ("api_signed_in", {}),
    "api:cohort-detail": ("api_signed_in", {"year": "2024"}),  # every demo role has a 2024 site
    "api:engagement-list": ("api_signed_in", {}),
    "api:engagement-detail": ("api_site", {"pk": "engagements.Engagement"}),
    "api:recommendation-list": ("api_signed_in", {}),
    "api:recommendation-detail": ("api_site", {"pk": "engagements.Recommendation"}),
    "api:action-item-list": ("api_signed_in", {}),
    "api:action-item-detail": ("api_site", {"pk": "engagements.ActionItem"}),
    "api:milestone-list": ("api_signed_in", {}),
    "api:milestone-detail": ("api_site", {"pk": "engagements.Milestone"}),
    "api:activity-list": ("api_signed_in", {}),
    "api:activity-detail": ("api_site", {"pk": "engagements.Activity"}),
    "api:ta-request-list": ("api_signed_in", {}),
    "api:ta-request-detail": ("api_site", {"pk": "engagements.TARequest"}),
    "api:peer-exchange-list": ("api_signed_in", {}),
    "api:peer-exchange-detail": ("api_peer_exchange_parties", {"pk": "engagements.PeerExchange"}),
    "api:monthly-count-list": ("api_signed_in", {}),
    "api:monthly-count-detail": ("api_site", {"pk": "metrics.MonthlyCount"}),
    "api:incident-list": ("api_signed_in", {}),
    "api:incident-detail": ("api_site", {"pk": "metrics.Incident"}),
    "api:data-quality-flag-list": ("api_signed_in", {}),
    "api:data-quality-flag-detail": ("api_site", {"pk": "metrics.DataQualityFlag"}),
    "api:upload-list": ("api_signed_in", {}),
    "api:upload-detail": ("api_site", {"pk": "metrics.Upload"}),
    "api:upload-confirm": ("api_post_only", {"pk": "metrics.Upload"}),
    "api:metric-result-list": ("api_signed_in", {}),
    "api:metric-result-detail": ("api_site", {}),
    # Issue 15: notifications. Everyone has their own list and preferences; the unsubscribe
    # link works without signing in but only with a genuine token ("x" is none).
    "notifications:list": ("signed_in", {}),
    "notifications:read": ("post_only", {"pk": "notifications.Notification"}),
    "notifications:read_all": ("post_only", {}),
    "notifications:preferences": ("signed_in", {}),
    "notifications:unsubscribe": ("unknown_token", {}),
    "notifications:email_log": ("admin_only", {}),
    "notifications:email_resend": ("post_only", {"pk": "notifications.OutboxEmail"}),
    "notifications:site_watch": ("post_only", {}),
    "notifications:ta_request_watch": ("post_only", {"pk": "engagements.TARequest"}),
}
# Django's admin is one rule for every one of its (many, generated) patterns, checked on its
# index: only PSP administrators (staff users) get in; everyone else is sent to its sign-in.
NAMESPACES_BY_RULE = {"admin": "django_admin"}
