from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "neisheng.measures"
    label = "measures"
    verbose_name = "帮扶措施 Assistance measures"

    def ready(self) -> None:
        # The household page lists the assigned measures through platform.extensions.
        from neisheng.measures import sections
        from neisheng.measures.models import AssignedMeasure
        from neisheng.measures.workflow import MEASURE_WORKFLOW

        # The platform's transition_perform / history find a model's workflow here.
        AssignedMeasure.workflow = MEASURE_WORKFLOW
        sections.register()
