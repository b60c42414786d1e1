from django.urls import path

app_name = "projects"
urlpatterns: list = []

# --- B: projects, funds, expenditures, assets, beneficiaries, revenue, documents, imports ---
from neisheng.projects import views_imports, views_projects

urlpatterns += [
    path("", views_projects.project_list, name="list"),
    path("new/", views_projects.project_new, name="new"),
    path("import/", views_projects.projects_import_page, name="import"),
    path("import/<str:kind>/template/", views_projects.import_template, name="import_template"),
    path("imports/<int:pk>/", views_imports.import_detail, name="import_detail"),
    path("<int:pk>/", views_projects.project_detail, name="detail"),
    path("<int:pk>/edit/", views_projects.project_edit, name="edit"),
    path("<int:pk>/funds/new/", views_projects.fund_new, name="fund_new"),
    path("<int:pk>/expenditures/new/", views_projects.expenditure_new, name="expenditure_new"),
    path("<int:pk>/assets/new/", views_projects.asset_new, name="asset_new"),
    path("<int:pk>/beneficiaries/new/", views_projects.beneficiary_new, name="beneficiary_new"),
    path("<int:pk>/beneficiaries/<int:beneficiary>/end/", views_projects.beneficiary_end, name="beneficiary_end"),
    path("<int:pk>/revenues/new/", views_projects.revenue_new, name="revenue_new"),
    path("<int:pk>/documents/new/", views_projects.document_new, name="document_new"),
    path("<int:pk>/documents/<int:document>/", views_projects.document_download, name="document"),
    path("<int:pk>/import/<str:kind>/", views_projects.project_sheet_import, name="sheet_import"),
]

# --- C: distribution plans and payments ---
from neisheng.projects import views_plans

urlpatterns += [
    path("plans/", views_plans.plan_list, name="plans"),
    path("plans/<int:pk>/", views_plans.plan_detail, name="plan"),
    path("plans/<int:pk>/<slug:step>/", views_plans.plan_step, name="plan_step"),
    path("payments/<int:pk>/pay/", views_plans.payment_pay, name="payment_pay"),
    path("<int:pk>/plans/new/", views_plans.plan_new, name="plan_new"),
    path("<int:pk>/plans/import/", views_plans.plan_import, name="plan_import"),
]

# --- D: reference price lists and renovations ---
from neisheng.projects import views_prices, views_renovations

urlpatterns += [
    path("renovations/", views_renovations.renovation_list, name="renovations"),
    path("renovations/new/", views_renovations.renovation_new, name="renovation_new"),
    path("renovations/import/", views_renovations.items_import, name="renovations_import"),
    path("renovations/<int:pk>/", views_renovations.renovation_detail, name="renovation"),
    path("renovations/<int:pk>/items/new/", views_renovations.item_new, name="renovation_item_new"),
    path("renovations/<int:pk>/photos/new/", views_renovations.photo_new, name="renovation_photo_new"),
    path("renovations/<int:pk>/photos/<int:photo>/", views_renovations.photo_file, name="renovation_photo"),
    path("renovations/<int:pk>/check/", views_renovations.site_check, name="renovation_check"),
    path("prices/", views_prices.price_lists, name="prices"),
    path("prices/import/", views_prices.price_list_import, name="prices_import"),
    path("prices/default/", views_prices.price_list_default, name="prices_default"),
    path("prices/<int:pk>/", views_prices.price_list_detail, name="price_list"),
]

# --- E: audit findings and runs ---
from neisheng.projects import views_audit

urlpatterns += [
    path("audit/", views_audit.finding_list, name="findings"),
    path("audit/<int:pk>/", views_audit.finding_detail, name="finding"),
    path("audit/<int:pk>/confirm/", views_audit.finding_confirm, name="finding_confirm"),
    path("audit/<int:pk>/explain/", views_audit.finding_explain, name="finding_explain"),
    path("audit/run/", views_audit.run_start, name="audit_run"),
    path("audit/runs/", views_audit.run_list, name="audit_runs"),
]

# --- F: division reports (funds by source, dividends per household, households receiving nothing) ---
from neisheng.projects import views_reports

urlpatterns += [
    path("funds/", views_reports.funds_report, name="funds"),
    path("dividends/", views_reports.dividends_report, name="dividends"),
    path("unpaid/", views_reports.unpaid_report, name="unpaid"),
    path("reports/cards/<str:key>/export/", views_reports.card_export, name="reports_card_export"),
]
