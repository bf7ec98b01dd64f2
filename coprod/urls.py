from django.urls import path

from coprod import views

catalog_patterns = ([path("", views.title_list, name="title-list")], "catalog")
partner_patterns = ([path("", views.partner_home, name="home")], "partner")
