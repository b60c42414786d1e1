from django.urls import path

from neisheng.registry import reveal, views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("divisions/", views.divisions, name="divisions"),
    path("reveal/", reveal.reveal, name="reveal"),
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<str:household_id>/", views.household_detail, name="household_detail"),
    path("households/<str:household_id>/edit/", views.household_edit, name="household_edit"),
    path("households/<str:household_id>/members/new/", views.person_create, name="person_create"),
    path("households/<str:household_id>/members/<str:member>/edit/", views.person_edit, name="person_edit"),
    path("households/<str:household_id>/ledger/new/", views.ledger_create, name="ledger_create"),
    path("households/<str:household_id>/ledger/<int:item_id>/edit/", views.ledger_edit, name="ledger_edit"),
]
