# OpenAlex ids and ORCIDs are compared byte for byte (C collation): every import looks
# them up by the thousand, and the locale's rules buy nothing for identifiers. Their
# pattern-ops index copies go in works 0006, with those of the works tables.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0002_claims_and_corrections"),
    ]

    operations = [
        migrations.AlterField(
            model_name="institution",
            name="openalex_id",
            field=models.CharField(db_collation="C", max_length=16, unique=True),
        ),
        migrations.AlterField(
            model_name="researcher",
            name="openalex_id",
            field=models.CharField(db_collation="C", max_length=16, unique=True),
        ),
        migrations.AlterField(
            model_name="researcher",
            name="orcid",
            field=models.CharField(
                blank=True, db_collation="C", db_index=True, help_text="0000-0000-0000-000X", max_length=19
            ),
        ),
        migrations.AlterField(
            model_name="researcheralias",
            name="openalex_id",
            field=models.CharField(db_collation="C", max_length=16, unique=True),
        ),
        migrations.AlterField(
            model_name="topic",
            name="openalex_id",
            field=models.CharField(db_collation="C", max_length=16, unique=True),
        ),
    ]
