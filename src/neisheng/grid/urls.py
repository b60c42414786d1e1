"""The grid's routes: cadres and pairs (helper B's region) and the assignment, coverage and
public boards (helper C's region)."""

from django.urls import path

app_name = "grid"

# --- cadres, pairs, imports (B) ---
from neisheng.grid import views

core_urlpatterns: list = [
    path("", views.cadre_list, name="cadre_list"),
    path("cadres/new/", views.cadre_new, name="cadre_new"),
    path("cadres/<int:pk>/", views.cadre_detail, name="cadre_detail"),
    path("cadres/<int:pk>/edit/", views.cadre_edit, name="cadre_edit"),
    path("cadres/<int:pk>/photo/", views.cadre_photo, name="cadre_photo"),
    path("cadres/<int:pk>/photo/edit/", views.cadre_photo_edit, name="cadre_photo_edit"),
    path("cadres/<int:pk>/deactivate/", views.cadre_deactivate, name="cadre_deactivate"),
    path("pairs/", views.pair_list, name="pair_list"),
    path("pairs/<int:pk>/end/", views.pair_end, name="pair_end"),
    path("households/<str:household_id>/cadre/", views.household_pair, name="household_pair"),
    path("villages/", views.village_list, name="village_list"),
    path("villages/<str:code>/", views.village_detail, name="village_detail"),
    path("villages/<str:code>/leader/", views.leader_start, name="leader_start"),
    path("villages/<str:code>/areas/new/", views.area_start, name="area_start"),
    path("leader-pairs/<int:pk>/end/", views.leader_end, name="leader_end"),
    path("area-pairs/<int:pk>/end/", views.area_end, name="area_end"),
    path("import/", views.import_upload, name="import"),
    path("import/apply/", views.import_apply, name="import_apply"),
    path("import/template/", views.import_template, name="import_template"),
]

# --- assignment, coverage, public boards (C) ---
from neisheng.grid import assign_views, board, coverage_views, dashboard

coverage_urlpatterns: list = [
    path("coverage/", coverage_views.coverage_page, name="coverage"),
    path("coverage/households/", coverage_views.households_without_cadre_page, name="coverage_households"),
    path("coverage/cadres/", coverage_views.cadres_over_capacity_page, name="coverage_cadres"),
    path("assignments/", assign_views.assignment_list, name="assignments"),
    path("assignments/start/", assign_views.assign_start, name="assign_start"),
    path("assignments/<int:pk>/", assign_views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/pairs/", assign_views.assignment_pairs, name="assignment_pairs"),
    path("board/<str:village_code>/", board.board_page, name="board"),
    path("board/<str:village_code>/pdf/", board.board_pdf_view, name="board_pdf"),
    path("boards/town/<str:town_code>/pdf/", board.town_boards_pdf_view, name="town_boards_pdf"),
    path("dashboard/<str:key>/export/", dashboard.card_export, name="dashboard_export"),
]

urlpatterns = core_urlpatterns + coverage_urlpatterns
