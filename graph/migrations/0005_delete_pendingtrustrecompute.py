# The coalescing mark of trust recomputes is now the outbox's pending row of the
# researcher's key (core.OutboxMessage, graph/trust_schedule.py). Marks left at deploy time
# belong to tasks already in the broker, which still run.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('graph', '0004_pending_trust_recompute'),
    ]

    operations = [
        migrations.DeleteModel(
            name='PendingTrustRecompute',
        ),
    ]
