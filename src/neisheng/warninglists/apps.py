from django.apps import AppConfig


class WarningListsConfig(AppConfig):
    name = "neisheng.warninglists"
    label = "warninglists"
    verbose_name = "预警清单 Warning lists"

    def ready(self) -> None:
        # Lists are built with each run, and shown on the home page and the dashboard,
        # through the platform's extension points: monitoring never imports this app.
        from neisheng.platform.extensions import run_finished_listen
        from neisheng.warninglists import dashboard, work
        from neisheng.warninglists.build import warning_rows_build

        run_finished_listen("warninglists", warning_rows_build)
        work.register()
        dashboard.register()
