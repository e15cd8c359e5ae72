"""The works list of a profile sorts by citations too: the covering sort-key index gains
``cited_by_count``, so the page's ids are chosen from the researcher's authorships and this
index alone (works.selectors.works_page)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('works', '0009_work_newest_first'),
    ]

    operations = [
        migrations.RemoveIndex(model_name='work', name='work_sort_key'),
        migrations.AddIndex(
            model_name='work',
            index=models.Index(
                fields=['id'], include=('publication_date', 'publication_year', 'cited_by_count'), name='work_sort_key'
            ),
        ),
    ]
