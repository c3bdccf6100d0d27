"""Pages of API lists: numbered pages for everything, a cursor for incidents (millions of rows,
where counting and deep offsets would cost more than the page itself)."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    """``?page=N&page_size=M`` (50 by default, at most 500), with the total ``count``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class IncidentCursorPagination(CursorPagination):
    """``?cursor=…`` from the ``next``/``previous`` links; newest recorded first."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"
