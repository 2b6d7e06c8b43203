from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "commissioning"
    verbose_name = "Commissioning"
    default_auto_field = "django.db.models.BigAutoField"
