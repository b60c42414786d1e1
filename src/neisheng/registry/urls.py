from django.urls import path

from neisheng.registry import detail_views, edit_views, list_views, reveal, views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("divisions/", views.divisions, name="divisions"),
    path("reveal/", reveal.reveal, name="reveal"),
    path("households/", list_views.household_list, name="household_list"),
    path("households/new/", edit_views.household_create, name="household_create"),
    path("households/<str:household_id>/", detail_views.household_detail, name="household_detail"),
    path("households/<str:household_id>/edit/", edit_views.household_edit, name="household_edit"),
    path("households/<str:household_id>/members/new/", edit_views.person_create, name="person_create"),
    path("households/<str:household_id>/members/<str:member>/edit/", edit_views.person_edit, name="person_edit"),
    path("households/<str:household_id>/ledger/new/", edit_views.ledger_create, name="ledger_create"),
    path("households/<str:household_id>/ledger/<int:item_id>/edit/", edit_views.ledger_edit, name="ledger_edit"),
    path("households/<str:household_id>/ledger/<int:item_id>/delete/", edit_views.ledger_delete,
         name="ledger_delete"),
]
