from django.apps import AppConfig


class PagesConfig(AppConfig):
    """Public pages composed from every app below: home and search, the profile page and its
    anonymous cache, topic and institution pages (like healthchecks' ``hc/front``)."""

    name = "pages"
    verbose_name = "Public pages"
