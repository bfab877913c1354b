from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "proposals.follow"
    label = "follow"
    verbose_name = _("Following and alerts")

    def ready(self):
        # The proposals app knows nothing of followers: what its writers save reaches this app through signals.
        from . import changes

        changes.connect_signals()
