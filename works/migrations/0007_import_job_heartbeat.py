# The heartbeat of import jobs. Jobs running while this is applied have none: the reaper
# (works.services.import_jobs_reap_stalled) then goes by their start.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('works', '0006_identifiers_in_c_collation'),
    ]

    operations = [
        migrations.AddField(
            model_name='importjob',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
