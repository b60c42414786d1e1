from django.apps import AppConfig


class HonoursConfig(AppConfig):
    name = "neisheng.honours"
    label = "honours"
    verbose_name = "脱贫示范户 Model households"

    def ready(self) -> None:
        from neisheng.honours import registrations

        registrations.register()
