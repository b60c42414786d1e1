from django.urls import path

from neisheng.warninglists import views

app_name = "warninglists"
urlpatterns = [
    path("", views.warning_list, name="list"),
    path("handover/", views.handover, name="handover"),
    path("handovers/", views.handovers, name="handovers"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("<int:pk>/", views.row_detail, name="row"),
    path("<int:pk>/dismiss/", views.row_dismiss, name="dismiss"),
]
