# Issue 7 (rows 2 and 13): the count of every problem found (only the first ISSUES_KEPT
# are kept), the file's checksum, and when the file was deleted after its retention.

from django.db import migrations, models


def count_kept_issues(apps, schema_editor):
    # Batches stored before the cap kept every problem: their total is what they hold.
    ImportBatch = apps.get_model("transfers", "ImportBatch")
    for batch in ImportBatch.objects.only("pk", "issues").iterator():
        if batch.issues:
            ImportBatch.objects.filter(pk=batch.pk).update(issues_total=len(batch.issues))


class Migration(migrations.Migration):

    dependencies = [
        ('transfers', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='importbatch',
            name='checksum',
            field=models.CharField(blank=True, max_length=64, verbose_name='SHA-256'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='file_purged_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='文件删除时间 file deleted'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='issues_total',
            field=models.PositiveIntegerField(default=0, verbose_name='问题总数 problems found'),
        ),
        migrations.AlterField(
            model_name='importbatch',
            name='file',
            field=models.FileField(blank=True, upload_to='imports/%Y/%m/', verbose_name='文件 file'),
        ),
        migrations.RunPython(count_kept_issues, migrations.RunPython.noop),
    ]
