from django.apps import AppConfig


class GraphConfig(AppConfig):
    name = "graph"
    verbose_name = "Research graph and trust"

    def ready(self) -> None:
        from graph import receivers  # noqa: F401  (connects to profiles.signals)
