from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "neisheng.projects"
    label = "projects"
    verbose_name = "项目资金与收益分配 Projects, funds and dividends"

    def ready(self) -> None:
        from neisheng.projects import registrations

        registrations.register()
