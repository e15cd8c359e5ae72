"""App configuration of Django's admin with BZPEER's admin site (bzpeer/accounts.py)."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "bzpeer.accounts.StaffAdminSite"
