"""Pages of API lists: numbered pages for everything, a cursor for incidents (millions of rows,
where counting and deep offsets would cost more than the page itself)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.pagination import CursorPagination, PageNumberPagination

from psp.accounts.models import User
from psp.core import dataversion


class PagePagination(PageNumberPagination):
    """``?page=N&page_size=M`` (50 by default, at most 500), with the total ``count``.

    The count is kept per data version (``psp.core.dataversion.cached_count``): reading page
    after page, or the same list again, does not count 100,000 activities each time."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def django_paginator_class(self, object_list: Any, per_page: int) -> Paginator[Any]:  # type: ignore[override]
        paginator: Paginator[Any] = Paginator(object_list, per_page)
        user = self.request.user if self.request is not None else None
        if isinstance(object_list, QuerySet) and isinstance(user, User):
            count = dataversion.cached_count("api-count", user, object_list)
            paginator.__dict__["count"] = count  # ``Paginator.count`` is a cached property
        return paginator


class IncidentCursorPagination(CursorPagination):
    """``?cursor=…`` from the ``next``/``previous`` links; newest recorded first."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"
