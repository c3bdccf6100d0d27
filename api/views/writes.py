"""Resources that can also be written: activities (log), action items (status), TA requests
(submit) and uploads (send a file, read its preview, confirm the import).

Each write resolves the site with ``get_site_for_user`` (404 outside the person's scope, as on
the web), checks the action with ``sites.permissions.require`` (403), and calls the same service
the web page calls; the service's row and field errors come back as a 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api import filters, serializers
from api.selectors import attach_activity_links
from api.views.reads import ScopedReadViewSet
from engagements import services as engagement_services
from engagements.models import ActionItem, Activity, CoreArea, Engagement, Milestone, TARequest
from metrics import services as metric_services
from metrics.intake.reader import format_size
from metrics.models import Upload
from psp.accounts.models import User
from sites.models import Agency, Site
from sites.permissions import SiteAction, get_site_for_user, require


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # the permission class refused anonymous requests
    return user


def _invalid(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ``ValidationError`` as the API's 400: ``{field: [messages]}``."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def _writable_site(request: Request, slug: str, act: SiteAction) -> Site:
    site = get_site_for_user(_user(request), slug)
    require(_user(request), site, act)
    return site


def _of_site(model: Any, site: Site, ids: list[int], field: str) -> list[Any]:
    """Rows of ``model`` by id; an id that is not one of ``site``'s is named in a 400 (the
    service would refuse a row of another site; an unknown id never reaches it)."""
    rows = list(model.objects.filter(pk__in=ids, site=site))
    missing = sorted(set(ids) - {r.pk for r in rows})
    if missing:
        listed = ", ".join(str(m) for m in missing)
        raise exceptions.ValidationError({field: [f"Not one of {site.name}'s: {listed}."]})
    return rows


class ActivityViewSet(mixins.CreateModelMixin, ScopedReadViewSet):
    """TA activities. ``POST`` logs one through the web form's service."""

    model: type[Model] = Activity
    serializer_class = serializers.ActivitySerializer
    filterset_class = filters.ActivityFilter

    def scoped(self, user: User) -> QuerySet[Activity]:
        return (
            Activity.objects.for_user(user)
            .select_related("site", "logged_by")
            .order_by("-date", "-id")
        )

    # What a row shows from the link tables comes in three queries for the page (or the one
    # row): reading it through each row's related managers, even prefetched, built three
    # querysets per row, most of the list's time in the benchmark.
    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_activity_links(page)
        return page

    def get_object(self) -> Any:
        activity = super().get_object()
        attach_activity_links([activity])
        return activity

    @extend_schema(
        request=serializers.ActivityInput, responses={201: serializers.ActivitySerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = serializers.ActivityInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        site = _writable_site(request, data["site"], SiteAction.LOG_WORK)
        codes = data["core_areas"]
        core_areas = list(CoreArea.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {c.code for c in core_areas})
        if unknown:
            raise exceptions.ValidationError(
                {"core_areas": [f"Not a core area code: {', '.join(unknown)}."]}
            )
        engagement_id = data.get("engagement")
        try:
            activity = engagement_services.activity_log(
                site=site,
                acting_user=_user(request),
                kind=data["kind"],
                date=data.get("date"),
                end_date=data.get("end_date"),
                duration_hours=data["duration_hours"],
                mode=data["mode"],
                core_areas=core_areas,
                engagement=(
                    _of_site(Engagement, site, [engagement_id], "engagement")[0]
                    if engagement_id
                    else None
                ),
                agencies=_of_site(Agency, site, data["agencies"], "agencies"),
                milestones=_of_site(Milestone, site, data["milestones"], "milestones"),
                audience=data.get("audience", ""),
                participants_count=data.get("participants_count"),
                summary=data["summary"],
                next_steps=data.get("next_steps", ""),
            )
        except DjangoValidationError as exc:
            raise _invalid(exc) from None
        out = self.get_queryset().get(pk=activity.pk)
        attach_activity_links([out])
        return Response(self.get_serializer(out).data, status=status.HTTP_201_CREATED)


class ActionItemViewSet(mixins.UpdateModelMixin, ScopedReadViewSet):
    """Action items of engagements' plans. ``PATCH`` changes the status only."""

    model: type[Model] = ActionItem
    serializer_class = serializers.ActionItemSerializer
    filterset_class = filters.ActionItemFilter
    http_method_names = ["get", "patch", "head", "options"]

    def scoped(self, user: User) -> QuerySet[ActionItem]:
        return (
            ActionItem.objects.for_user(user)
            .select_related("engagement__site")
            .order_by("due_on", "id")
        )

    @extend_schema(
        request=serializers.ActionItemStatusInput, responses=serializers.ActionItemSerializer
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        require(_user(request), item.engagement.site, SiteAction.LOG_WORK)
        form = serializers.ActionItemStatusInput(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            engagement_services.action_item_update_status(
                item=item, acting_user=_user(request), **form.validated_data
            )
        except DjangoValidationError as exc:
            raise _invalid(exc) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(exclude=True)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed("PUT")


class TARequestViewSet(mixins.CreateModelMixin, ScopedReadViewSet):
    """TA requests. ``POST`` submits one, as the web form does."""

    model: type[Model] = TARequest
    serializer_class = serializers.TARequestSerializer
    filterset_class = filters.TARequestFilter

    def scoped(self, user: User) -> QuerySet[TARequest]:
        return (
            TARequest.objects.for_user(user)
            .select_related("site", "core_area", "requested_by")
            .order_by("-submitted_at", "-id")
        )

    @extend_schema(
        request=serializers.TARequestInput, responses={201: serializers.TARequestSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = serializers.TARequestInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        site = _writable_site(request, data["site"], SiteAction.SUBMIT_TA_REQUEST)
        core_area = CoreArea.objects.filter(code=data["core_area"]).first()
        if core_area is None:
            raise exceptions.ValidationError(
                {"core_area": [f"Not a core area code: {data['core_area']}."]}
            )
        try:
            made = engagement_services.ta_request_submit(
                site=site, acting_user=_user(request), core_area=core_area, need=data["need"]
            )
        except DjangoValidationError as exc:
            raise _invalid(exc) from None
        out = self.get_queryset().get(pk=made.pk)
        return Response(self.get_serializer(out).data, status=status.HTTP_201_CREATED)


class UploadViewSet(mixins.CreateModelMixin, ScopedReadViewSet):
    """Outcome files and their status. ``POST`` (multipart) sends a file: it is checked at once
    and comes back ``validated`` (ready to confirm) or ``invalid`` with every problem by row and
    column; ``POST …/confirm/`` imports a validated file in the background, all or nothing
    (``metrics/services/uploads.py``). Poll the upload for ``status`` and ``progress``."""

    model: type[Model] = Upload
    serializer_class = serializers.UploadSerializer
    filterset_class = filters.UploadFilter

    def scoped(self, user: User) -> QuerySet[Upload]:
        return Upload.objects.for_user(user).select_related("site").order_by("-created_at", "-id")

    parser_classes = [MultiPartParser]

    @extend_schema(request=serializers.UploadInput, responses={201: serializers.UploadSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        limit = settings.PSP_UPLOAD_MAX_BYTES
        # Refuse an oversized body before it is parsed, as the web page does.
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:
            raise exceptions.ValidationError({"file": [f"The file is over {format_size(limit)}."]})
        form = serializers.UploadInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        site = _writable_site(request, data.pop("site"), SiteAction.UPLOAD_DATA)
        file = data.pop("file")
        try:
            upload = metric_services.upload_receive(
                site=site, acting_user=_user(request), file=file, name=file.name, **data
            )
        except metric_services.DuplicateUpload as exc:
            raise exceptions.ValidationError(
                {"file": exc.messages, "first_upload": [str(exc.first.pk)]}
            ) from None
        except DjangoValidationError as exc:
            raise _invalid(exc) from None
        out = self.get_queryset().get(pk=upload.pk)
        return Response(self.get_serializer(out).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: serializers.UploadSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start the import of a file whose preview has no problems."""
        upload = self.get_object()
        require(_user(request), upload.site, SiteAction.UPLOAD_DATA)
        try:
            metric_services.upload_confirm(upload=upload, acting_user=_user(request))
        except DjangoValidationError as exc:
            raise _invalid(exc) from None
        out = self.get_queryset().get(pk=upload.pk)
        return Response(self.get_serializer(out).data, status=status.HTTP_202_ACCEPTED)
