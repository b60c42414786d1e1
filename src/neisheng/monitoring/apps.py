from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "neisheng.monitoring"
    label = "monitoring"
    verbose_name = "防返贫监测 Monitoring"

    def ready(self) -> None:
        # The household page and list show monitoring's results through the platform's
        # extension points, so the registry never imports this app.
        from neisheng.monitoring import extensions, work

        extensions.register()
        # The warnings first on each role's home page (platform.extensions work cards).
        work.register()
