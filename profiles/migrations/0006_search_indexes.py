"""Indexes of the one search (search.selectors): full-text vectors of researcher names, topic and
institution names (profiles.text_search), the country of institutions and who is at each now, researchers by works (the
order of filter-only results) and those open to collaborate. ``bzpeer_unaccent`` is the IMMUTABLE
wrapper of ``unaccent`` that index expressions need (``unaccent(text)`` is only STABLE because it
looks its dictionary up through the search path)."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import profiles.text_search
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('profiles', '0005_search_name_folds_undecomposed_letters'),
    ]

    operations = [
        migrations.RunSQL(
            sql="""CREATE OR REPLACE FUNCTION bzpeer_unaccent(text) RETURNS text
                   LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
                   AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
            reverse_sql="DROP FUNCTION IF EXISTS bzpeer_unaccent(text)",
        ),
        migrations.AddIndex(
            model_name='institution',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.SearchVector(profiles.text_search.Unaccent('display_name'), config='simple'), name='institution_search_fts'),
        ),
        migrations.AddIndex(
            model_name='institution',
            index=models.Index(fields=['country_code'], name='institution_country'),
        ),
        migrations.AddIndex(
            model_name='researcher',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.SearchVector('search_name', config='simple'), name='researcher_search_fts'),
        ),
        migrations.AddIndex(
            model_name='researcher',
            index=models.Index(fields=['-works_count', 'id'], name='researcher_works_count'),
        ),
        migrations.AddIndex(
            model_name='researcher',
            index=models.Index(condition=models.Q(('open_to_collaborate', True)), fields=['id'], name='researcher_open'),
        ),
        migrations.AddIndex(
            model_name='researcheraffiliation',
            index=models.Index(condition=models.Q(('is_last_known', True)), fields=['institution', 'researcher'], name='affiliation_current'),
        ),
        migrations.AddIndex(
            model_name='topic',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.SearchVector(profiles.text_search.Unaccent('display_name'), config='english'), name='topic_search_fts'),
        ),
    ]
