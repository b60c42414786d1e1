from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "neisheng.visits"
    label = "visits"
    verbose_name = "走访 Visits"

    def ready(self):
        from neisheng.visits import sections, work

        sections.register()
        work.register()
