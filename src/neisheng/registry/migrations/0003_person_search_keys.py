"""Persons get two search keys derived from their name and ID number (registry.names):
the given name, so "伟" finds 张伟, and the last six characters of the ID number reversed,
so that a search by the last digits is an index prefix. Added empty, then filled for
every existing person and every history row (from that row's own name and number)."""

from django.db import migrations, models

from neisheng.registry.names import search_keys

BATCH = 5_000


def _fill(model, key_name: str) -> None:
    rows = model.objects.order_by(key_name)
    last = None
    while True:
        page = rows if last is None else rows.filter(**{f"{key_name}__gt": last})
        batch = list(page.only(key_name, "name", "person_id")[:BATCH])
        if not batch:
            return
        for row in batch:
            for name, value in search_keys(row.name, row.person_id).items():
                setattr(row, name, value)
        model.objects.bulk_update(batch, ["given_name", "id_suffix_reversed"], batch_size=BATCH)
        last = getattr(batch[-1], key_name)


def fill_search_keys(apps, schema_editor):
    _fill(apps.get_model("registry", "Person"), "person_id")
    _fill(apps.get_model("registry", "HistoricalPerson"), "history_id")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0002_person_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="given_name",
            field=models.CharField(blank=True, db_index=True, default="", editable=False, max_length=64,
                                   verbose_name="名"),
        ),
        migrations.AddField(
            model_name="person",
            name="id_suffix_reversed",
            field=models.CharField(blank=True, db_index=True, default="", editable=False, max_length=6,
                                   verbose_name="证件号码末六位倒序"),
        ),
        migrations.AddField(
            model_name="historicalperson",
            name="given_name",
            field=models.CharField(blank=True, db_index=True, default="", editable=False, max_length=64,
                                   verbose_name="名"),
        ),
        migrations.AddField(
            model_name="historicalperson",
            name="id_suffix_reversed",
            field=models.CharField(blank=True, db_index=True, default="", editable=False, max_length=6,
                                   verbose_name="证件号码末六位倒序"),
        ),
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop),
    ]
