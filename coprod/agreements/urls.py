"""The agreement pages: list, edit, parties, approvals, documents, statements."""

from django.urls import path

from coprod.agreements import views

app_name = "agreements"
urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("new/", views.agreement_edit, name="create"),
    path("<int:agreement_id>/", views.agreement_detail, name="detail"),
    path("<int:agreement_id>/edit/", views.agreement_edit, name="edit"),
    path("<int:agreement_id>/add/<str:item>/", views.agreement_add_item, name="add"),
    path("<int:agreement_id>/remove/<str:item>/<int:item_id>/", views.agreement_remove_item,
         name="remove"),
    path("<int:agreement_id>/parties/<int:party_id>/share/", views.party_share,
         name="party-share"),
    path("<int:agreement_id>/status/", views.agreement_transition, name="transition"),
    path("<int:agreement_id>/approve/", views.agreement_approve, name="approve"),
    path("<int:agreement_id>/documents/<int:document_id>/", views.document_download,
         name="document"),
    path("<int:agreement_id>/statements/<str:period>/", views.statement_page,
         name="statement"),
    path("<int:agreement_id>/statements/<str:period>/csv/", views.statement_csv,
         name="statement-csv"),
    path("<int:agreement_id>/statements/<str:period>/pdf/", views.statement_pdf_view,
         name="statement-pdf"),
    path("<int:agreement_id>/statements/<str:period>/issue/", views.statement_issue_view,
         name="statement-issue"),
    path("<int:agreement_id>/expenses/<int:expense_id>/document/", views.expense_document,
         name="expense-document"),
]
