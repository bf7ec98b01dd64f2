from django.urls import path, register_converter

from coprod import catalog_views, views


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
         catalog_views.rights_block_add, name="rights-add"),
    path("rights/<int:block_id>/delete/", catalog_views.rights_block_delete,
         name="rights-delete"),
    path("avails/", catalog_views.avails, name="avails"),
    path("rights/export.csv", catalog_views.rights_export, name="rights-export"),
    path("rights/import/", catalog_views.rights_import, name="rights-import"),
], "catalog")
partner_patterns = ([path("", views.partner_home, name="home")], "partner")
