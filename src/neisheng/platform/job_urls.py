"""/jobs/<id>/: a background job's progress (platform.jobs)."""

from django.urls import path

from neisheng.platform import job_views

app_name = "jobs"
urlpatterns = [
    path("<int:pk>/", job_views.job_detail, name="detail"),
]
