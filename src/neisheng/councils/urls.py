from django.urls import path

from neisheng.councils import views

app_name = "councils"

urlpatterns = [
    path("", views.council_list, name="list"),
    path("new/", views.council_new, name="new"),
    path("<int:pk>/", views.council_detail, name="detail"),
    path("<int:pk>/members/new/", views.member_new, name="member_new"),
    path("<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("<int:pk>/items/new/", views.item_new, name="item_new"),
    path("<int:pk>/notes/new/", views.note_new, name="note_new"),
    path("members/<int:pk>/end/", views.member_end, name="member_end"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/respond/", views.item_respond, name="item_respond"),
]
