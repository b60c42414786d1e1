from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "neisheng.measures"
    label = "measures"
    verbose_name = "帮扶措施 Assistance measures"

    def ready(self) -> None:
        # The household page lists the assigned measures through platform.extensions.
        from neisheng.measures import sections

        sections.register()
