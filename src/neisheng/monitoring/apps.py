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
        # C: runs' and policies' words in the audit log.
        from neisheng.monitoring import runs

        runs.register()
        # F: the household portrait's sections (motivation chart, income by source, runs over time).
        from neisheng.monitoring import portrait

        portrait.register()
