from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "neisheng.web"
    label = "web"
    verbose_name = "Neisheng 内生"
