from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "neisheng.accounts"
    label = "accounts"
    verbose_name = "人员与权限 People and scope"

    def ready(self):
        from neisheng.accounts import signals  # noqa: F401  (connects the audit receivers)
