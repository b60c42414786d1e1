from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "neisheng.feeds"
    label = "feeds"
    verbose_name = "部门比对 Department feeds"

    def ready(self):
        from neisheng.feeds.models import Finding
        from neisheng.feeds.workflow import FINDING_WORKFLOW

        Finding.workflow = FINDING_WORKFLOW
        _register_feeds()
        _register_findings()


def _register_findings() -> None:
    """Helper E's review queue and findings: the household section, home cards, the
    dashboard card and the audit log's words."""
    from django.utils.translation import pgettext_lazy

    from neisheng.feeds import dashboard, sections, work
    from neisheng.platform.audit import audit_vocabulary_register

    sections.register()
    work.register()
    dashboard.register()
    audit_vocabulary_register(object_types={
        "finding": pgettext_lazy("audit object", "部门筛查线索"),
        "finding_list": pgettext_lazy("audit object", "部门筛查线索清单"),
        "finding_dashboard": pgettext_lazy("audit object", "部门筛查线索统计"),
        "feed_row": pgettext_lazy("audit object", "部门比对数据行"),
    })


def _register_feeds() -> None:
    """Helper D's feeds: the audit log's words for a feed, its list's export and its file."""
    from django.utils.translation import pgettext_lazy

    from neisheng.platform.audit import audit_vocabulary_register

    audit_vocabulary_register(object_types={
        "feed": pgettext_lazy("audit object", "部门比对数据"),
        "feed_list": pgettext_lazy("audit object", "部门比对数据清单"),
        "feed_file": pgettext_lazy("audit object", "部门比对原文件"),
    })
