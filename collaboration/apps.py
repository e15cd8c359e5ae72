from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    """Direct collaboration: invitations, conversations, blocks, reports (above graph, below pages)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "collaboration"

    def ready(self) -> None:
        from collaboration import receivers  # noqa: F401  (stamps the unread count at log-in)
