"""Pages of the platform, mounted under /accounts/ (where the audit log has always been)."""

from django.urls import path

from neisheng.platform import views

app_name = "platform"
urlpatterns = [
    path("audit/", views.audit, name="audit"),
]
