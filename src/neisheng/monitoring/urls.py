from django.urls import path

from neisheng.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.overview, name="overview"),
]
