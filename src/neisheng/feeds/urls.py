from django.urls import path

from neisheng.feeds import dashboard, finding_views, review_views, views

app_name = "feeds"

urlpatterns = [
    # -- helper D (upload, preview, apply, feed list and summary) --
    path("", views.feed_list, name="list"),
    path("upload/", views.feed_upload_page, name="upload"),
    path("<int:pk>/", views.feed_detail, name="detail"),
    path("<int:pk>/rows/", views.feed_rows, name="rows"),
    path("<int:pk>/file/", views.feed_file, name="file"),
    path("<int:pk>/apply/", views.feed_apply_view, name="apply"),
    path("<int:pk>/discard/", views.feed_discard_view, name="discard"),
    # -- end D --
    # -- helper E (review queue, findings, their actions) --
    path("review/", review_views.review_queue, name="review_queue"),
    path("review/<int:pk>/", review_views.review_row, name="review_row"),
    path("findings/", finding_views.finding_list, name="finding_list"),
    path("findings/dashboard/<str:key>/export/", dashboard.card_export, name="dashboard_export"),
    path("findings/<int:pk>/", finding_views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/confirm/", finding_views.finding_confirm, name="finding_confirm"),
    path("findings/<int:pk>/dismiss/", finding_views.finding_dismiss, name="finding_dismiss"),
    path("findings/<int:pk>/case/", finding_views.finding_case, name="finding_case"),
    path("findings/<int:pk>/ledger/", finding_views.finding_ledger, name="finding_ledger"),
    # -- end E --
]
