from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "neisheng.transfers"
    label = "transfers"
    verbose_name = "导入导出 Excel in and out"
