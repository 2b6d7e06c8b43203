from django.apps import AppConfig


class StatementsConfig(AppConfig):
    name = "commissioning.statements"
    label = "statements"
    verbose_name = "Public statements"
    default_auto_field = "django.db.models.BigAutoField"
