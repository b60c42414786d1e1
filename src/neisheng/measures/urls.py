from django.urls import path

from neisheng.measures import views

app_name = "measures"
urlpatterns = [
    path("", views.measure_list, name="list"),
    path("new/", views.measure_new, name="assign"),
    path("<int:pk>/", views.measure_detail, name="detail"),
    path("<int:pk>/<str:step>/", views.measure_step, name="step"),
]
