from django.apps import AppConfig


class GridConfig(AppConfig):
    name = "neisheng.grid"
    label = "grid"
    verbose_name = "三级网格 Responsibility grid"

    def ready(self):
        from neisheng.grid import coverage, dashboard, sections

        sections.register()
        dashboard.register()
        coverage.register_run_figures()
