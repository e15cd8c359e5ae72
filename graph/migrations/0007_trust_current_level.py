"""Current trust snapshots by verification level: the level filter of search results."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('graph', '0006_similar_researchers'),
        ('profiles', '0006_search_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='trustsnapshot',
            index=models.Index(condition=models.Q(('is_current', True)), fields=['level', 'researcher'], name='trust_current_level'),
        ),
    ]
