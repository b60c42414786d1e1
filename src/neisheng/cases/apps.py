from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "neisheng.cases"
    label = "cases"
    verbose_name = "监测对象识别与风险消除 Monitoring cases"
