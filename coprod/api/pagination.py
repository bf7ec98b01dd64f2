"""Pages of results: ``?page=2&page_size=100`` (at most ``max_page_size``), with the
total count and the addresses of the next and previous pages."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
