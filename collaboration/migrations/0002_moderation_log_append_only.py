from django.db import migrations

from core.append_only import append_only_sql


class Migration(migrations.Migration):
    """The moderation log is append-only in the database itself (core.append_only), like
    the claims audit log."""

    dependencies = [("collaboration", "0001_initial")]

    operations = [migrations.RunSQL(*append_only_sql("collaboration_moderationevent"))]
