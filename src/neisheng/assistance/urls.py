from django.urls import path

app_name = "assistance"
urlpatterns: list = []

# --- C: coverage, village industries, poor villages ---
from neisheng.assistance import views_coverage, views_villages

urlpatterns += [
    path("coverage/", views_coverage.coverage_overview, name="coverage"),
    path("coverage/cards/<str:key>/export/", views_coverage.card_export, name="coverage_card_export"),
    path("coverage/<str:target>/", views_coverage.coverage_gap_list, name="coverage_gaps"),
    path("villages/", views_villages.village_list, name="villages"),
    path("villages/poor/new/", views_villages.poor_village_new, name="poor_village_new"),
    path("villages/poor/<str:code>/remove/", views_villages.poor_village_delete, name="poor_village_delete"),
    path("villages/industries/new/", views_villages.village_industry_new, name="village_industry_new"),
    path("villages/industries/<int:pk>/end/", views_villages.village_industry_end, name="village_industry_end"),
]

# --- D: overdue first measures, household assistance plan ---
from neisheng.assistance import views_overdue, views_plans

urlpatterns += [
    path("overdue/", views_overdue.overdue_list, name="overdue"),
    path("plan/<str:household_id>/", views_plans.plan_page, name="plan"),
    path("plan/<str:household_id>/pdf/", views_plans.plan_pdf_view, name="plan_pdf"),
]

# --- E: trainings, meetings, imports, the household's activities ---
from neisheng.assistance import views_imports, views_meetings, views_trainings

urlpatterns += [
    path("trainings/", views_trainings.training_list, name="trainings"),
    path("trainings/new/", views_trainings.training_new, name="training_new"),
    path("trainings/template/", views_trainings.training_template, name="training_template"),
    path("trainings/<int:pk>/", views_trainings.training_detail, name="training"),
    path("trainings/<int:pk>/attendance/", views_trainings.training_attendance_add, name="training_attendance_add"),
    path("trainings/<int:pk>/import/", views_trainings.training_import, name="training_import"),
    path("meetings/", views_meetings.meeting_list, name="meetings"),
    path("meetings/new/", views_meetings.meeting_new, name="meeting_new"),
    path("meetings/template/", views_meetings.meeting_template, name="meeting_template"),
    path("meetings/<int:pk>/", views_meetings.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/attendance/", views_meetings.meeting_attendance_add, name="meeting_attendance_add"),
    path("meetings/<int:pk>/import/", views_meetings.meeting_import, name="meeting_import"),
    path("imports/<int:pk>/", views_imports.import_detail, name="import_detail"),
]

# --- F: job placements, welfare posts, industry participation ---
from neisheng.assistance import views_industry, views_work

urlpatterns += [
    path("placements/", views_work.placement_list, name="placements"),
    path("placements/new/", views_work.placement_new, name="placement_new"),
    path("placements/import/", views_work.placement_import, name="placement_import"),
    path("placements/import/template/", views_work.placement_import_template, name="placement_import_template"),
    path("placements/<int:pk>/", views_work.placement_detail, name="placement"),
    path("placements/<int:pk>/end/", views_work.placement_end, name="placement_end"),
    path("posts/", views_work.post_list, name="posts"),
    path("posts/new/", views_work.post_new, name="post_new"),
    path("posts/import/", views_work.post_import, name="post_import"),
    path("posts/import/template/", views_work.post_import_template, name="post_import_template"),
    path("posts/<int:pk>/", views_work.post_detail, name="post"),
    path("posts/<int:pk>/end/", views_work.post_end, name="post_end"),
    path("industry/", views_industry.industry_list, name="industry"),
    path("industry/new/", views_industry.industry_new, name="industry_new"),
    path("industry/import/", views_industry.industry_import, name="industry_import"),
    path("industry/import/template/", views_industry.industry_import_template, name="industry_import_template"),
    path("industry/<int:pk>/", views_industry.industry_detail, name="industry_detail"),
    path("industry/<int:pk>/leave/", views_industry.industry_leave, name="industry_leave"),
]

# --- G: microcredit, education aid, insurance ---
from neisheng.assistance import views_aid, views_credit

urlpatterns += [
    path("credit/", views_credit.credit_list, name="credit"),
    path("credit/new/", views_credit.credit_new, name="credit_new"),
    path("credit/import/", views_credit.credit_import, name="credit_import"),
    path("credit/repayments/import/", views_credit.credit_repayments_import, name="credit_repayments_import"),
    path("credit/<int:pk>/", views_credit.credit_detail, name="credit_detail"),
    path("credit/<int:pk>/repay/", views_credit.credit_repay, name="credit_repay"),
    path("aid/", views_aid.aid_list, name="aid"),
    path("aid/new/", views_aid.aid_new, name="aid_new"),
    path("aid/import/", views_aid.aid_import, name="aid_import"),
    path("aid/<int:pk>/", views_aid.aid_detail, name="aid_detail"),
    path("insurance/", views_aid.insurance_list, name="insurance"),
    path("insurance/new/", views_aid.insurance_new, name="insurance_new"),
    path("insurance/import/", views_aid.insurance_import, name="insurance_import"),
    path("insurance/<int:pk>/", views_aid.insurance_detail, name="insurance_detail"),
]

# --- H: evaluation ---
from neisheng.assistance import views_evaluation

urlpatterns += [
    path("evaluation/", views_evaluation.evaluation, name="evaluation"),
]
