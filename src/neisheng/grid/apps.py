from django.apps import AppConfig


class GridConfig(AppConfig):
    name = "neisheng.grid"
    label = "grid"
    verbose_name = "三级网格 Responsibility grid"

    def ready(self):
        from neisheng.grid import dashboard, sections

        sections.register()
        dashboard.register()
