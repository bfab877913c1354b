"""Bulk files for researchers: every published proposal of a session, or of all sessions, in one download.

JSON Lines (one proposal per line, as the list shows it with its timeline, sponsors, themes and session
embedded) or CSV (the export's columns). Files are streamed in keyset chunks, never held whole, and carry an
ETag of the data version: a client revalidates with If-None-Match and downloads again only after a change.
"""

import orjson
from django.db.models import Count
from django.http import Http404, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from proposals.models import Proposal, Session
from tracker.api import conditional
from tracker.api.filters import reject_unknown_parameters
from tracker.api.links import Links
from tracker.api.pagination import Ordering, dict_key, keyset_page
from tracker.api.throttling import AnonExportThrottle, AnonThrottle, UserThrottle

from . import export, representations

EVERYTHING = "all"
FORMATS = {"jsonl": "application/jsonl", "csv": "text/csv; charset=utf-8"}
JSONL_INCLUDES = ("timeline", "sponsors", "themes", "session")
BY_ID = Ordering("id")
CHUNK_SIZE = 1000


def _jsonl_lines(queryset, links):
    fetch = representations.proposal_page_fetcher(links, includes=JSONL_INCLUDES)
    position = None
    while True:
        rows, position = keyset_page(queryset, BY_ID, position, CHUNK_SIZE,
                                     fetch=lambda sliced: fetch(representations.proposal_values(sliced)),
                                     key=dict_key(BY_ID))
        yield b"".join(orjson.dumps(row, option=orjson.OPT_UTC_Z) + b"\n" for row in rows)
        if position is None:
            return


def _files(request):
    links = Links(request)
    counts = dict(Proposal.objects.published().order_by().values_list("session__slug").annotate(n=Count("id")))
    sessions = Session.objects.order_by("-opened_on", "slug").values_list("slug", flat=True)
    entries = [(EVERYTHING, sum(counts.values()))] + [(slug, counts.get(slug, 0)) for slug in sessions]
    return [{"name": f"{name}.{format_}", "session": None if name == EVERYTHING else name, "format": format_,
             "proposals": count, "url": f"{links.root}bulk/{name}.{format_}"}
            for name, count in entries for format_ in FORMATS]


class ReadOnly:
    # Published proposals only, read by anyone, as every read of the API.
    permission_classes = [permissions.AllowAny]
    http_method_names = ["get", "head", "options"]


FILE_FIELDS = {
    "name": serializers.CharField(), "session": serializers.CharField(allow_null=True, help_text="null: all sessions"),
    "format": serializers.ChoiceField(choices=list(FORMATS)), "proposals": serializers.IntegerField(),
    "url": serializers.URLField()}


class BulkIndexView(ReadOnly, APIView):
    """Every bulk file: one per session and one for everything, in JSON Lines and CSV."""

    @extend_schema(
        summary="List the bulk files", operation_id="bulk_list",
        description="Every file: `all.jsonl`/`all.csv` and `<session>.jsonl`/`<session>.csv`, with how many "
        "proposals each holds. JSON Lines: one proposal per line as the list shows it with `include=timeline,"
        "sponsors,themes,session`. CSV: the export's columns (`columns` here), UTF-8 with a byte-order mark.",
        responses=inline_serializer("BulkIndex", {"files": inline_serializer("BulkFile", FILE_FIELDS, many=True),
                                                  "columns": serializers.DictField(child=serializers.CharField())}))
    def get(self, request):
        reject_unknown_parameters(request, self)
        etag, last_modified = conditional.list_validators(request, "json")
        if unchanged := conditional.not_modified(request, etag, last_modified):
            return unchanged
        response = Response({"files": _files(request), "columns": export.COLUMNS})
        return conditional.set_validators(response, etag, last_modified)


class BulkFileView(ReadOnly, APIView):
    # Each file is a whole table: anonymous clients get the export's lower limit.
    throttle_classes = [AnonThrottle, UserThrottle, AnonExportThrottle]

    @extend_schema(
        summary="Download a bulk file", operation_id="bulk_file",
        description="Streamed; send the ETag back in If-None-Match to download again only after a change.",
        responses={(200, "application/jsonl"): OpenApiTypes.STR, (200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, name, format_):
        reject_unknown_parameters(request, self)
        proposals = Proposal.objects.published()
        if name != EVERYTHING:
            session = Session.objects.filter(slug=name).first()
            if session is None:
                raise Http404(_("No session %(slug)s.") % {"slug": name})
            proposals = proposals.filter(session=session)
        etag, last_modified = conditional.list_validators(request, format_)
        if unchanged := conditional.not_modified(request, etag, last_modified):
            return unchanged
        links = Links(request)
        if format_ == "csv":
            response = export.streaming_csv(proposals, BY_ID, links, filename=f"{name}.csv")
        else:
            response = StreamingHttpResponse(_jsonl_lines(proposals, links), content_type=FORMATS["jsonl"])
            response["Content-Disposition"] = f'attachment; filename="{name}.jsonl"'
        return conditional.set_validators(response, etag, last_modified)
