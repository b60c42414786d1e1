from django.urls import path

from neisheng.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
]
