"""The sites framework's row names BZPEER, not example.com.

Account emails take their name and host from SITE_URL already (bzpeer/accounts.py), but
whatever else reads the row (allauth's templates, the admin's "View site") would still say
example.com. Its domain is SITE_URL's host at migration time; reversing leaves the row."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations


def name_the_site(apps: Any, schema_editor: Any) -> None:
    site_model = apps.get_model("sites", "Site")
    domain = urlsplit(settings.SITE_URL).netloc or "bzpeer.example.org"
    site_model.objects.update_or_create(pk=settings.SITE_ID, defaults={"name": "BZPEER", "domain": domain})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_outbox"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(name_the_site, migrations.RunPython.noop)]
