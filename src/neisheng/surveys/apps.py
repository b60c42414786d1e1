from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "neisheng.surveys"
    label = "surveys"
    verbose_name = "问卷调查 Surveys"

    def ready(self) -> None:
        from neisheng.surveys import registrations

        registrations.register()
