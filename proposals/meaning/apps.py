from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeaningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "proposals.meaning"
    label = "meaning"
    verbose_name = _("By meaning")

    def ready(self):
        from . import checks, signals

        signals.connect()
        checks.register()
