from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "neisheng.problems"
    label = "problems"
    verbose_name = "问题台账 Problem ledger"
