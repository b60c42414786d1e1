from django.urls import path

from neisheng.monitoring import run_views, views

app_name = "monitoring"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("run/", run_views.run_start, name="run_start"),
]
