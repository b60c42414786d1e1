from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "neisheng.measures"
    label = "measures"
    verbose_name = "帮扶措施 Assistance measures"
