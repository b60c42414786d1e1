from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "neisheng.platform"
    # "platform" alone would read like the standard library's module in migrations and
    # table names.
    label = "neisheng_platform"
    verbose_name = "平台 platform"

    def ready(self) -> None:
        # The audit findings on the home page of those who read the log (a work card).
        from neisheng.platform import work

        work.register()
