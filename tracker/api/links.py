"""Absolute API addresses built by string formatting from one reversed prefix per request.

A page of 50 proposals links to ~250 objects; reversing each would cost more than the query. The
templates below mirror the router's URL patterns, and a test checks them against `reverse()`.
"""

from django.urls import reverse

# Router prefix of each resource, and the field its detail address is keyed on.
RESOURCES = {
    "proposal": ("proposals", "pk"),
    "statusevent": ("status-events", "pk"),
    "session": ("sessions", "slug"),
    "body": ("bodies", "slug"),
    "theme": ("themes", "slug"),
    "authority": ("authorities", "slug"),
    "source": ("sources", "pk"),
    "delegate": ("delegates", "slug"),
    "company": ("companies", "slug"),
}


class Links:
    def __init__(self, request):
        self.root = request.build_absolute_uri(reverse("api:api-root")) if request else reverse("api:api-root")

    def of(self, resource, key):
        """The detail address of one object, or None for a missing key."""
        if key is None:
            return None
        return f"{self.root}{RESOURCES[resource][0]}/{key}/"

    def many(self, resource, keys):
        prefix = f"{self.root}{RESOURCES[resource][0]}/"
        return [f"{prefix}{key}/" for key in keys or ()]

    def filtered_list(self, resource, parameter, value):
        """The list of `resource` filtered on one object, e.g. every proposal on a theme."""
        return f"{self.root}{RESOURCES[resource][0]}/?{parameter}={value}"
