from django.urls import path

from neisheng.honours import views

app_name = "honours"

urlpatterns = [
    path("", views.figures_page, name="figures"),
    path("nominations/", views.nomination_list, name="nominations"),
    path("nominations/new/", views.nomination_new, name="nomination_new"),
    path("nominations/<int:pk>/", views.nomination_detail, name="nomination"),
    path("nominations/<int:pk>/<slug:step>/", views.nomination_step, name="step"),
    path("pairings/<int:pk>/meeting/", views.pairing_meeting, name="pairing_meeting"),
    path("roll/<str:code>/", views.roll_page, name="roll"),
    path("roll/<str:code>/pdf/", views.roll_pdf_view, name="roll_pdf"),
]
