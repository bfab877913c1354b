"""What every page's template may ask of the settings."""

from django.conf import settings


def demo(request):
    """Whether this site is the demo (`make demo`), whose synthetic proposals every page must point out."""
    return {"demo_site": settings.TRACKER_DEMO}
