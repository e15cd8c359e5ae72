# OpenAlex ids and DOIs are compared byte for byte (C collation): every import looks them
# up by the thousand, and the locale's rules buy nothing for identifiers.

from django.db import migrations, models


# (app, model, column) whose pattern-ops ("_like") index Django made for LIKE queries outside
# the C locale. Under the C collation the unique index serves LIKE 'A5%' as well, so the
# copy only costs every insert.
LIKE_INDEXED = [
    ("profiles", "institution", "openalex_id"),
    ("profiles", "researcher", "openalex_id"),
    ("profiles", "researcher", "orcid"),
    ("profiles", "researcheralias", "openalex_id"),
    ("profiles", "topic", "openalex_id"),
    ("works", "source", "openalex_id"),
    ("works", "work", "openalex_id"),
]


def _like_index_names(apps, schema_editor):
    for app_label, model_name, column in LIKE_INDEXED:
        table = apps.get_model(app_label, model_name)._meta.db_table
        yield table, column, schema_editor._create_index_name(table, [column], suffix="_like")


def drop_like_indexes(apps, schema_editor):
    for _, _, name in _like_index_names(apps, schema_editor):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore_like_indexes(apps, schema_editor):
    for table, column, name in _like_index_names(apps, schema_editor):
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}" varchar_pattern_ops)')


class Migration(migrations.Migration):
    dependencies = [
        ("works", "0005_authorship_keyed_by_work_and_position"),
        ("profiles", "0003_identifiers_in_c_collation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="source",
            name="openalex_id",
            field=models.CharField(db_collation="C", max_length=16, unique=True),
        ),
        migrations.AlterField(
            model_name="work",
            name="doi",
            field=models.CharField(
                blank=True, db_collation="C", help_text="Lower-case, without https://doi.org/", max_length=255
            ),
        ),
        migrations.AlterField(
            model_name="work",
            name="openalex_id",
            field=models.CharField(db_collation="C", max_length=16, unique=True),
        ),
        migrations.RunPython(drop_like_indexes, restore_like_indexes),
    ]
