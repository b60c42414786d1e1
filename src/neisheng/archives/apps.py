from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    name = "neisheng.archives"
    label = "archives"
    verbose_name = "档案管理 Archives"

    def ready(self) -> None:
        from neisheng.archives import registrations

        registrations.register()
