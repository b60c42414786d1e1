from django.apps import AppConfig


class WarningListsConfig(AppConfig):
    name = "neisheng.warninglists"
    label = "warninglists"
    verbose_name = "预警清单 Warning lists"
