"""Full-text index of work titles (search.selectors; the expression is profiles.text_search's)."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import profiles.text_search
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('profiles', '0006_search_indexes'),
        ('works', '0011_authorship_work_id_n_distinct'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='work',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.SearchVector(profiles.text_search.Unaccent('title'), config='english'), name='work_title_fts'),
        ),
    ]
