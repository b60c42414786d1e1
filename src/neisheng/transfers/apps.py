from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "neisheng.transfers"
    label = "transfers"
    verbose_name = "导入导出 Excel in and out"

    def ready(self) -> None:
        # A clerk's own uploads first on their home page (platform.extensions work cards).
        from neisheng.transfers import work

        work.register()
