from django.apps import AppConfig


class CouncilsConfig(AppConfig):
    name = "neisheng.councils"
    label = "councils"
    verbose_name = "扶贫理事会 Village councils"

    def ready(self) -> None:
        from neisheng.councils import registrations

        registrations.register()
