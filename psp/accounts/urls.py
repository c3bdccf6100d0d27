from django.urls import path

from psp.accounts import mfa_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.sign_out, name="logout"),
    # Password reset by email (issue 21 M4).
    path("password-reset/", views.PasswordReset.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDone.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        views.PasswordResetComplete.as_view(),
        name="password_reset_complete",
    ),
    # Second factor (issue 21 M4).
    path("mfa/", mfa_views.setup, name="mfa_setup"),
    path("mfa/verify/", mfa_views.verify, name="mfa_verify"),
    path("mfa/app/", mfa_views.totp, name="mfa_totp"),
    path("mfa/recovery-codes/", mfa_views.recovery, name="mfa_recovery"),
    path("mfa/<str:kind>/<int:pk>/remove/", mfa_views.remove, name="mfa_remove"),
    path("users/<int:pk>/mfa/reset/", mfa_views.user_reset, name="user_mfa_reset"),
    path("users/", views.user_list, name="user_list"),
    path("users/invite/", views.invite, name="invite"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
