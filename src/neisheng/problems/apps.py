from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "neisheng.problems"
    label = "problems"
    verbose_name = "问题台账 Problem ledger"

    def ready(self):
        from neisheng.cases.elimination import blocking_problems_provider_add
        from neisheng.problems import dashboard, sections, work
        from neisheng.problems.models import Problem
        from neisheng.problems.selectors import unclosed_blocking_count
        from neisheng.problems.workflow import PROBLEM_WORKFLOW

        # The platform's transition_perform / history find a model's workflow here.
        Problem.workflow = PROBLEM_WORKFLOW
        # cases.md's condition 4: an unclosed housing, education, medical or water problem.
        blocking_problems_provider_add("problems", unclosed_blocking_count)
        sections.register()
        _audit_words()
        work.register()
        dashboard.register()


def _audit_words() -> None:
    from django.utils.translation import pgettext_lazy

    from neisheng.platform.audit import audit_vocabulary_register

    audit_vocabulary_register(
        # Export filters are named by the list's own words (state, category, overdue); the
        # filter vocabulary is shared by every app's exports, so it is left as it is.
        object_types={"problem": pgettext_lazy("audit object", "问题"),
                      "problem_evidence": pgettext_lazy("audit object", "问题佐证材料"),
                      "problem_list": pgettext_lazy("audit object", "问题台账"),
                      "problem_overdue": pgettext_lazy("audit object", "逾期问题"),
                      "problem_dashboard": pgettext_lazy("audit object", "问题台账统计")},
    )
