from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "commissioning"
    verbose_name = "Commissioning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A revoked token, or a person made inactive, must be refused on the very next API request, by every web
        # server: the token cache hears of it here (cache coherence, not a workflow step).
        from .api import access

        access.connect()
