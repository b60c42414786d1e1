"""The project's URLs with the monitoring pages under /monitoring/ (as web/urls.py is
asked to include them), for the page tests."""

from django.urls import include, path

from neisheng.web.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("monitoring/", include("neisheng.monitoring.urls")),
    *(p for p in project_urlpatterns if str(p.pattern) != "monitoring/"),
]
