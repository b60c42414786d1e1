"""Every audit event carries the division it concerns. Existing events get it from their
object where it still exists (a household's village, a person's or ledger row's
household's village, a user's division), otherwise from the division of the person
who acted (uploads, exports, sign-ins); events of no division keep ""."""

from django.db import migrations, models
from django.db.models import CharField, F, OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce


def backfill(apps, schema_editor):
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    User = apps.get_model("accounts", "User")
    Household = apps.get_model("registry", "Household")
    Person = apps.get_model("registry", "Person")
    IncomeItem = apps.get_model("registry", "IncomeItem")

    def keyed(model):
        # object_id is text; comparing it with the integer key as text works on every backend.
        return model.objects.annotate(key=Cast("pk", CharField())).filter(key=OuterRef("object_id"))

    def fill(events, codes):
        events.update(division_code=Coalesce(Subquery(codes[:1], output_field=CharField()),
                                             F("division_code")))

    fill(AuditEvent.objects.filter(user__isnull=False),
         User.objects.filter(pk=OuterRef("user_id"), division__isnull=False).values("division_id"))
    fill(AuditEvent.objects.filter(object_type="user"),
         keyed(User).filter(division__isnull=False).values("division_id"))
    fill(AuditEvent.objects.filter(object_type="household"),
         Household.objects.filter(pk=OuterRef("object_id")).values("village_id"))
    fill(AuditEvent.objects.filter(object_type="person"),
         Person.objects.filter(pk=OuterRef("object_id")).values("household__village_id"))
    fill(AuditEvent.objects.filter(object_type="income_item"),
         keyed(IncomeItem).values("household__village_id"))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_initial'),
        ('registry', '0002_person_key'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='division_code',
            field=models.CharField(blank=True, db_index=True, default='', max_length=12, verbose_name='区划 division'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
