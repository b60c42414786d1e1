"""Results keyed by (run, household) instead of by household, so that every run is kept.

A new table is created, every existing row copied to it under the run it already names,
the old table (primary key = household) dropped and the new one given its name.
Runs gain the policy they used (empty for earlier runs: they used the built-in default),
who started them and how long they took."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from neisheng.engine import schema

RISK_CHOICES = schema.bilingual_choices(schema.RISK)
MONITOR_TYPE_CHOICES = list(schema.MONITOR_TYPE.items())
STABILITY_CHOICES = list(schema.STABILITY.items())
FIELDS = [
    "run_id", "household_id", "size", "income_pc", "prev_income_pc", "rigid_pc", "risk", "reasons",
    "monitor_type", "stability", "motivation_score", "motivation_poor",
]


def copy_results(apps, schema_editor):
    legacy = apps.get_model("monitoring", "HouseholdResult")
    kept = apps.get_model("monitoring", "KeptHouseholdResult")
    batch = []
    for row in legacy.objects.using(schema_editor.connection.alias).values(*FIELDS).iterator(chunk_size=5000):
        batch.append(kept(**row))
        if len(batch) == 5000:
            kept.objects.using(schema_editor.connection.alias).bulk_create(batch)
            batch = []
    kept.objects.using(schema_editor.connection.alias).bulk_create(batch)


def copy_back(apps, schema_editor):
    # Going back keeps only each household's newest result, as the old table could hold.
    legacy = apps.get_model("monitoring", "HouseholdResult")
    kept = apps.get_model("monitoring", "KeptHouseholdResult")
    newest = {}
    for row in kept.objects.using(schema_editor.connection.alias).order_by("run_id").values(*FIELDS).iterator():
        newest[row["household_id"]] = row
    legacy.objects.using(schema_editor.connection.alias).bulk_create(
        [legacy(**row) for row in newest.values()], batch_size=5000
    )


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0001_initial"),
        ("registry", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The new table is made under a passing name and renamed once the old one is gone,
        # so no index name of the old table (PostgreSQL index names are per schema) clashes.
        migrations.CreateModel(
            name="KeptHouseholdResult",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("size", models.PositiveSmallIntegerField()),
                ("income_pc", models.DecimalField(decimal_places=2, max_digits=14, null=True)),
                ("prev_income_pc", models.DecimalField(decimal_places=2, max_digits=14, null=True)),
                ("rigid_pc", models.DecimalField(decimal_places=2, max_digits=14, null=True)),
                ("risk", models.CharField(choices=RISK_CHOICES, max_length=8, null=True, verbose_name="风险 risk")),
                ("reasons", models.CharField(blank=True, max_length=300)),
                ("monitor_type", models.CharField(choices=MONITOR_TYPE_CHOICES, max_length=16, null=True)),
                ("stability", models.CharField(choices=STABILITY_CHOICES, max_length=16, null=True)),
                ("motivation_score", models.FloatField(null=True)),
                ("motivation_poor", models.BooleanField(null=True)),
                ("household", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                related_name="+", to="registry.household")),
                ("run", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                          to="monitoring.monitoringrun")),
            ],
            options={
                "indexes": [
                    models.Index(fields=["run", "risk"], name="monitoring_result_run_risk"),
                    models.Index(fields=["run", "motivation_poor"], name="monitoring_result_run_poor"),
                    models.Index(fields=["household", "run"], name="monitoring_result_household"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("run", "household"), name="monitoring_result_one_per_run"),
                ],
            },
        ),
        migrations.RunPython(copy_results, copy_back),
        migrations.DeleteModel("HouseholdResult"),
        migrations.RenameModel("KeptHouseholdResult", "HouseholdResult"),
        migrations.AlterField(
            model_name="householdresult",
            name="household",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                    related_name="monitoring_results", to="registry.household"),
        ),
        migrations.AlterField(
            model_name="householdresult",
            name="run",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="results",
                                    to="monitoring.monitoringrun"),
        ),
        migrations.AddField(
            model_name="monitoringrun", name="policy_text",
            field=models.TextField(blank=True, verbose_name="政策全文 resolved policy"),
        ),
        migrations.AddField(
            model_name="monitoringrun", name="policy_sha256",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="monitoringrun", name="division_code",
            field=models.CharField(blank=True, default="", max_length=12),
        ),
        migrations.AddField(
            model_name="monitoringrun", name="started_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name="monitoringrun", name="seconds",
            field=models.FloatField(null=True, verbose_name="用时(秒) seconds"),
        ),
        migrations.AlterModelOptions(name="monitoringrun", options={"ordering": ["-started_at", "-pk"]}),
        migrations.AddIndex(
            model_name="monitoringrun",
            index=models.Index(fields=["year", "-started_at"], name="monitoring_run_year_latest"),
        ),
        migrations.AddIndex(
            model_name="recommendedmeasure",
            index=models.Index(fields=["run", "household"], name="monitoring_measure_run_house"),
        ),
    ]
