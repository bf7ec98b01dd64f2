"""The catalog and rights pages, in the ``catalog`` namespace, and the partner's home."""

from django.urls import path, register_converter

from coprod.accounts import views as accounts_views
from coprod.catalog import views as catalog_views
from coprod.rights import views as rights_views


class DirectionConverter:
    regex = "in|out"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DirectionConverter, "direction")

catalog_patterns = ([
    path("", catalog_views.title_list, name="title-list"),
    path("titles/new/", catalog_views.title_edit, name="title-create"),
    path("titles/<int:title_id>/", catalog_views.title_detail, name="title-detail"),
    path("titles/<int:title_id>/edit/", catalog_views.title_edit, name="title-edit"),
    path("titles/<int:title_id>/credits/", catalog_views.credit_add, name="credit-add"),
    path("credits/<int:credit_id>/remove/", catalog_views.credit_remove, name="credit-remove"),
    path("titles/<int:title_id>/rights/<direction:direction>/new/",
         rights_views.rights_block_add, name="rights-add"),
    path("rights/<int:block_id>/history/", rights_views.rights_block_history,
         name="rights-history"),
    path("rights/<int:block_id>/delete/", rights_views.rights_block_delete,
         name="rights-delete"),
    path("avails/", rights_views.avails, name="avails"),
    path("avails/titles/<int:title_id>/", rights_views.avails_title, name="avails-title"),
    path("rights/export.csv", rights_views.rights_export, name="rights-export"),
    path("rights/import/", rights_views.rights_import, name="rights-import"),
], "catalog")
partner_patterns = ([path("", accounts_views.partner_home, name="home")], "partner")
