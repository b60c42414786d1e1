from django.urls import path

from neisheng.problems import dashboard, views

app_name = "problems"
urlpatterns = [
    path("", views.problem_list, name="list"),
    path("new/", views.problem_new, name="new"),
    path("overdue/", views.overdue, name="overdue"),
    path("dashboard/<str:key>/export/", dashboard.card_export, name="dashboard_export"),
    path("<int:pk>/", views.problem_detail, name="detail"),
    path("<int:pk>/resolve/", views.problem_resolve, name="resolve"),
    path("<int:pk>/close/", views.problem_close, name="close"),
    path("<int:pk>/reopen/", views.problem_reopen, name="reopen"),
    path("<int:pk>/evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
]
