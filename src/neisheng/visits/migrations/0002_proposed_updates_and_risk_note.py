from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='visit',
            name='risk_message',
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name='visit',
            name='update_status',
            field=models.CharField(choices=[('none', '未修改台账'), ('applied', '已更新台账'), ('conflict', '与他人修改冲突，未更新'), ('refused', '未通过校验，未更新'), ('proposed', '待有修改权限的干部确认')], default='none', max_length=16),
        ),
    ]
