from django.apps import AppConfig


class WorksConfig(AppConfig):
    name = "works"
    verbose_name = "Works and OpenAlex import"
