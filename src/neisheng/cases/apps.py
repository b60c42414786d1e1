from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "neisheng.cases"
    label = "cases"
    verbose_name = "监测对象识别与风险消除 Monitoring cases"

    def ready(self):
        from neisheng.cases import dashboard, sections, work
        from neisheng.cases.models import MonitoringCase
        from neisheng.cases.workflow import CASE_WORKFLOW

        # The platform's transition_perform / history find a model's workflow here.
        MonitoringCase.workflow = CASE_WORKFLOW
        sections.register()
        work.register()
        dashboard.register()
