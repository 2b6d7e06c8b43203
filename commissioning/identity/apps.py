from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "commissioning.identity"
    label = "identity"
    verbose_name = "Signing in"
    default_auto_field = "django.db.models.BigAutoField"
