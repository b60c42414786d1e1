from django.urls import path

from neisheng.surveys import (
    views,
    views_phone,
    views_proposals,
    views_questionnaires,
    views_report,
    views_responses,
)

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_new, name="new"),
    path("<int:pk>/", views_report.survey_detail, name="detail"),
    path("<int:pk>/close/", views.survey_close, name="close"),
    path("<int:pk>/responses/", views_responses.response_list, name="responses"),
    path("<int:pk>/fill/", views_responses.response_new, name="fill"),
    path("<int:pk>/phone/", views_phone.phone_form, name="phone"),
    path("<int:pk>/import/", views_responses.import_page, name="import"),
    path("responses/<int:pk>/", views_responses.response_detail, name="response"),
    path("imports/<int:pk>/", views_responses.import_result, name="import_result"),
    path("proposals/", views_proposals.proposal_list, name="proposals"),
    path("proposals/<int:pk>/", views_proposals.proposal_decide, name="proposal"),
    path("questionnaires/", views_questionnaires.questionnaire_list, name="questionnaires"),
    path("questionnaires/new/", views_questionnaires.questionnaire_new, name="questionnaire_new"),
    path("questionnaires/template/", views_questionnaires.questionnaire_from_template, name="questionnaire_template"),
    path("questionnaires/<int:pk>/", views_questionnaires.questionnaire_detail, name="questionnaire"),
    path("questionnaires/<int:pk>/edit/", views_questionnaires.questionnaire_edit, name="questionnaire_edit"),
    path("questionnaires/<int:pk>/questions/new/", views_questionnaires.question_add, name="question_add"),
    # The phone's side: the service worker (the same for everyone) and the page listing
    # the questionnaires waiting on this phone.
    path("sw.js", views_phone.service_worker, name="sw"),
    path("queue/", views_phone.queue, name="queue"),
]
