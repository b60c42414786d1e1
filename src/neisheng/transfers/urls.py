"""Uploads waiting for a decision: a workbook is checked, previewed, then applied whole."""

from django.urls import path

from neisheng.transfers import views

app_name = "transfers"
urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("template/<str:table>/", views.template_workbook, name="template"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/apply/", views.batch_apply, name="apply"),
    path("batches/<int:pk>/discard/", views.batch_discard, name="discard"),
]
