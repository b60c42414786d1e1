from django.urls import path

from neisheng.visits import offline, views

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("new/", views.visit_new, name="new"),
    path("week/", views.week, name="week"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/apply/", views.visit_apply, name="apply"),
    path("<int:pk>/photos/<int:photo_id>/", views.visit_photo, name="photo"),
    # The offline side (visits/offline.py, helper E): the service worker, the web app
    # manifest and the phone's queue of visits not yet sent.
    path("sw.js", offline.service_worker, name="sw"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("queue/", offline.queue, name="queue"),
]
