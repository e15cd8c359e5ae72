from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    """Direct collaboration: invitations, conversations, blocks, reports (above graph, below pages)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "collaboration"
