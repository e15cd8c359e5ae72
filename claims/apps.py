from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims and moderation"

    def ready(self) -> None:
        from claims import receivers  # noqa: F401  (connects to profiles.signals)
