from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "neisheng.accounts"
    label = "accounts"
    verbose_name = "人员与权限 People and scope"
