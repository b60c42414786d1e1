from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "neisheng.feeds"
    label = "feeds"
    verbose_name = "部门比对 Department feeds"

    def ready(self):
        from neisheng.feeds.models import Finding
        from neisheng.feeds.workflow import FINDING_WORKFLOW

        Finding.workflow = FINDING_WORKFLOW
