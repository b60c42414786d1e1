from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "neisheng.registry"
    label = "registry"
    verbose_name = "农户台账 Registry"
