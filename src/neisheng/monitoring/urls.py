from django.urls import path

from neisheng.monitoring import policy_views, portrait, run_views, views

app_name = "monitoring"
urlpatterns = [
    path("", views.overview, name="overview"),
    # C: monitoring runs and policies (run_views.py, policy_views.py)
    path("run/", run_views.run_start_view, name="run_start"),
    path("runs/", run_views.run_list, name="runs"),
    path("runs/<int:pk>/", run_views.run_detail, name="run"),
    path("policies/", policy_views.policy_list, name="policies"),
    path("policies/new/", policy_views.policy_new, name="policy_new"),
    path("policies/<int:pk>/", policy_views.policy_detail, name="policy"),
    # F: the household portrait, printable (monitoring/portrait.py)
    path("portrait/<str:household_id>/", portrait.portrait_print, name="portrait"),
]
