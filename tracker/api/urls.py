"""The REST API v1: one router for every resource, the OpenAPI schema and its offline docs."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers
from rest_framework.reverse import reverse

from people.api import CompanyViewSet, DelegateViewSet
from proposals.api import bulk, reference, sync
from proposals.api.intake import IntakeView
from proposals.api.scorecards import ScorecardList
from proposals.api.views import ProposalViewSet, StatusEventViewSet

from .exceptions import not_found

app_name = "api"


class APIRoot(routers.APIRootView):
    """Two Sessions Tracker API v1. Every resource below; the schema and interactive docs at the end."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data["scorecards"] = reverse("api:scorecards", request=request)
        response.data["bulk"] = reverse("api:bulk", request=request)
        response.data["schema"] = reverse("api:schema", request=request)
        response.data["docs"] = reverse("api:docs", request=request)
        return response


class Router(routers.DefaultRouter):
    APIRootView = APIRoot


router = Router()
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("status-events", StatusEventViewSet, basename="statusevent")
router.register("sessions", reference.SessionViewSet, basename="session")
router.register("bodies", reference.BodyViewSet, basename="body")
router.register("themes", reference.ThemeViewSet, basename="theme")
router.register("authorities", reference.AuthorityViewSet, basename="authority")
router.register("sources", reference.SourceViewSet, basename="source")
router.register("delegates", DelegateViewSet, basename="delegate")
router.register("companies", CompanyViewSet, basename="company")
router.register("deletions", sync.DeletionViewSet, basename="deletion")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from its own URL: the site's CSP runs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("scorecards/", ScorecardList.as_view(), name="scorecards"),
    path("intake/", IntakeView.as_view(), name="intake"),
    path("bulk/", bulk.BulkIndexView.as_view(), name="bulk"),
    re_path(r"^bulk/(?P<name>[-a-zA-Z0-9_]+)\.(?P<format_>jsonl|csv)$", bulk.BulkFileView.as_view(), name="bulk-file"),
    *router.urls,
    re_path(r"^.*$", not_found),
]
