from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "proposals"
    verbose_name = _("Proposals")

    def ready(self):
        from django.db.models.signals import post_migrate

        from tracker.caching import connect_signals

        from . import deletions, theme_walk

        connect_signals()
        deletions.connect_signals()
        post_migrate.connect(theme_walk.install, sender=self, dispatch_uid="proposals-theme-walk-triggers")
