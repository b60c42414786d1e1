from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "neisheng.assistance"
    label = "assistance"
    verbose_name = "帮扶活动与成效 Assistance activities and results"

    def ready(self) -> None:
        from neisheng.assistance import registrations

        registrations.register()
