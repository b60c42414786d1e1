from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "neisheng.registry"
    label = "registry"
    verbose_name = "农户台账 Registry"

    def ready(self) -> None:
        # The deletion guard's signal receiver (holds.py) connects on import.
        from neisheng.registry import holds  # noqa: F401
