from django.urls import path

from neisheng.archives import views, views_students

app_name = "archives"

urlpatterns = [
    path("", views.gaps, name="gaps"),
    path("households/", views.households, name="households"),
    path("households/<str:household_id>/", views.household_file, name="household"),
    path("households/<str:household_id>/pdf/", views.household_file_pdf, name="household_pdf"),
    path("households/<str:household_id>/upload/", views.upload, name="upload"),
    path("households/<str:household_id>/students/new/", views_students.student_new, name="student_new"),
    path("documents/", views.document_list, name="documents"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/version/", views.version_new, name="version_new"),
    path("versions/<int:pk>/download/", views.version_download, name="download"),
    path("students/", views_students.student_list, name="students"),
    path("students/<int:pk>/", views_students.student_detail, name="student"),
    path("students/<int:pk>/aid/", views_students.aid_new, name="aid_new"),
    path("students/<int:pk>/plan/", views_students.plan_new, name="plan_new"),
]
