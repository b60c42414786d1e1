from django.urls import path

from neisheng.cases import dashboard, public, views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    # Public: a household reports itself without an account (cases/public.py).
    path("report/", public.self_report, name="self_report"),
    path("self-reports/", views.self_report_list, name="self_reports"),
    path("dashboard/<str:key>/export/", dashboard.card_export, name="dashboard_export"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/step/<str:to>/", views.case_step, name="step"),
    path("<int:pk>/notice/", views.case_notice, name="notice"),
    path("<int:pk>/steps/<int:step_id>/consent/", views.consent_scan, name="consent_scan"),
]
