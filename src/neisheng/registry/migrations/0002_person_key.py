"""Persons get a random opaque key (issue 7, rows 3, 4 and 9): added empty, filled for
every existing row, then made unique. History rows take their person's key, so an old
version still names the same person."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import neisheng.registry.models

BATCH = 5_000


def fill_keys(apps, schema_editor):
    person_model = apps.get_model("registry", "Person")
    history_model = apps.get_model("registry", "HistoricalPerson")
    pending = person_model.objects.filter(key="").order_by()
    while True:
        batch = list(pending.only("pk")[:BATCH])
        if not batch:
            break
        for person in batch:
            person.key = neisheng.registry.models.new_person_key()
        person_model.objects.bulk_update(batch, ["key"], batch_size=BATCH)
    of_person = person_model.objects.filter(pk=OuterRef("person_id")).values("key")[:1]
    history_model.objects.update(key=Subquery(of_person))
    # Versions of persons since deleted have no key to take.
    history_model.objects.filter(key__isnull=True).update(key="")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="key",
            field=models.CharField(default="", editable=False, max_length=22, verbose_name="地址键 opaque key"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalperson",
            name="key",
            field=models.CharField(default="", editable=False, max_length=22, null=True,
                                   verbose_name="地址键 opaque key"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="person",
            name="key",
            field=models.CharField(default=neisheng.registry.models.new_person_key, editable=False,
                                   max_length=22, unique=True, verbose_name="地址键 opaque key"),
        ),
        migrations.AlterField(
            model_name="historicalperson",
            name="key",
            field=models.CharField(db_index=True, default=neisheng.registry.models.new_person_key,
                                   editable=False, max_length=22, verbose_name="地址键 opaque key"),
        ),
    ]
