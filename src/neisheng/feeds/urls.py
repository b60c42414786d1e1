from django.urls import path

from neisheng.feeds import views

app_name = "feeds"

urlpatterns = [
    # -- helper D (upload, preview, apply, feed list and summary) --
    # -- end D --
    # -- helper E (review queue, findings, their actions) --
    # -- end E --
]
