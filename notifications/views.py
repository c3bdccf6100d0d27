"""Pages of notifications: the list behind the bell, preferences, the signed unsubscribe link,
watching a site or a TA request, and the administrators' email log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements.models import TARequest
from notifications.forms import PreferencesForm
from notifications.models import Kind, Notification, OutboxEmail, OutboxStatus
from notifications.services import outbox, people
from notifications.services.digest import time_zone_of
from notifications.services.emails import read_unsubscribe_token
from notifications.services.recipients import channels
from psp.accounts.http import AuthenticatedHttpRequest
from psp.accounts.models import User
from psp.accounts.permissions import require_admin
from sites.permissions import get_site_for_user

PAGE_SIZE = 50


@login_required
@require_GET
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's notifications, newest first."""
    qs = Notification.objects.filter(recipient=request.user).select_related("site")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def notification_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not people.mark_read(request.user, pk):
        get_object_or_404(Notification, pk=pk, recipient=request.user)
    return redirect(_back(request, "notifications:list"))


@login_required
@require_POST
def notification_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = people.mark_all_read(request.user)
    messages.success(request, f"{count} notifications marked read.")
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each kind: in the app only, email immediately, weekly digest, or off."""
    user = request.user
    form = PreferencesForm(
        request.POST or None, current=channels(user), time_zone=time_zone_of(user)
    )
    if request.method == "POST" and form.is_valid():
        for kind in Kind.values:
            people.set_channel(user, kind, form.cleaned_data[kind])
        people.set_time_zone(user, form.cleaned_data["time_zone"])
        messages.success(request, "Your notification preferences are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@csrf_exempt  # the signed token is the authority; mail clients POST it (RFC 8058 one-click)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Turn one kind off for the person the link was made for, without signing in: GET asks
    to confirm, POST (the confirm button, or a mail client's one-click) does it."""
    found = read_unsubscribe_token(token)
    user = User.objects.filter(pk=found[0], is_active=True).first() if found else None
    if found is None or user is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=404)
    kind = Kind(found[1])
    done = False
    if request.method == "POST":
        people.unsubscribe(user, kind)
        done = True
    return render(
        request,
        "notifications/unsubscribe.html",
        {"kind": kind, "email": user.email, "done": done, "token": token},
    )


@login_required
@require_POST
def site_watch(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    site = get_site_for_user(request.user, slug)
    on = people.toggle_watch(request.user, site=site)
    messages.success(
        request, f"You are watching {site.name}." if on else f"You stopped watching {site.name}."
    )
    return redirect(_back(request, site.get_absolute_url()))


@login_required
@require_POST
def ta_request_watch(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ta = get_object_or_404(TARequest.objects.for_user(request.user), pk=pk)
    on = people.toggle_watch(request.user, ta_request=ta)
    messages.success(
        request, "You are watching this TA request." if on else "You stopped watching it."
    )
    return redirect(_back(request, reverse("engagements:ta_request", args=[ta.pk])))


@login_required
@require_GET
def email_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Administrators: every outgoing email, newest first, with its status and error."""
    require_admin(request.user)
    qs = OutboxEmail.objects.all()
    status = request.GET.get("status", "")
    if status in OutboxStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(
        qs.only(
            "pk", "to", "subject", "status", "attempts", "error", "created_at", "sent_at", "kind"
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/email_log.html",
        {"page": page, "status": status, "statuses": OutboxStatus.choices},
    )


@login_required
@require_POST
def email_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Administrators: put a failed email back in the queue and send the queue."""
    require_admin(request.user)
    email = get_object_or_404(OutboxEmail, pk=pk)
    if outbox.resend(email):
        from notifications.tasks import flush_outbox

        flush_outbox.delay()
        messages.success(request, f"The email to {email.to} is queued again.")
    else:
        messages.error(request, f"Only a failed email can be re-sent; this one is {email.status}.")
    return redirect("notifications:email_log")
