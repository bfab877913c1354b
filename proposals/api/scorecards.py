"""Authority scorecards in the API: the figures of the reader's comparison table, for one session or all.

Every figure comes from `proposals.scorecards`, which the pages read too; this module only checks the
parameters and shapes the rows. One row per handling authority, in the order asked for: a short,
bounded list (there are tens of authorities), so it is not paged.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from proposals import scorecards
from proposals.models import Session
from tracker.api import conditional
from tracker.api.fields import self_link

PARAMETERS = ("session", "sort", "format")


class ScorecardAuthoritySerializer(serializers.Serializer):
    url = self_link("authority")
    slug = serializers.SlugField()
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    abbreviation = serializers.CharField()


class ScorecardSerializer(serializers.Serializer):
    authority = ScorecardAuthoritySerializer()
    referrals = serializers.IntegerField(help_text="Referral steps naming the authority, in any role.")
    owing = serializers.IntegerField(help_text="Referrals to it as lead or separate authority: replies it owes.")
    replied = serializers.IntegerField(help_text="Owed referrals a reply settled.")
    replied_on_time = serializers.IntegerField(help_text="Settled by a reply dated on or before the due date.")
    judged = serializers.IntegerField(
        help_text="Owed referrals answered or past their due date: what the on-time share is out of.")
    on_time_share = serializers.FloatField(allow_null=True, help_text="replied_on_time ÷ judged; null if 0.")
    median_days_to_reply = serializers.FloatField(allow_null=True)
    overdue = serializers.IntegerField(help_text="Replies it owes whose due date has passed, today.")
    rehandlings = serializers.IntegerField()
    rehandling_rate = serializers.FloatField(allow_null=True, help_text="rehandlings ÷ replies; null if 0.")
    grades = serializers.DictField(child=serializers.IntegerField(), help_text="Replies by grade, A to D.")
    verdicts = serializers.DictField(child=serializers.IntegerField(),
                                     help_text="Proposers' verdicts on its replies.")


class ScorecardListSerializer(serializers.Serializer):
    session = serializers.SlugField(allow_null=True, help_text="The session asked for; null for all sessions.")
    sort = serializers.ChoiceField(choices=list(scorecards.SORTS))
    results = ScorecardSerializer(many=True)


def _row(authority, card):
    return {
        "authority": authority,
        "referrals": card.referrals, "owing": card.owing, "replied": card.replied,
        "replied_on_time": card.replied_on_time, "judged": card.judged,
        "on_time_share": card.on_time_share, "median_days_to_reply": card.median_days,
        "overdue": card.overdue, "rehandlings": card.rehandlings, "rehandling_rate": card.rehandling_rate,
        "grades": dict(card.grade_counts()), "verdicts": dict(card.verdict_counts()),
    }


class ScorecardList(APIView):
    """How each handling authority answers the proposals referred to it: one row per authority."""

    permission_classes = [AllowAny]  # a read of published figures; the view answers GET alone

    @extend_schema(
        operation_id="scorecards_list",
        parameters=[
            OpenApiParameter("session", OpenApiTypes.STR, description="A session's slug; all sessions if left out."),
            OpenApiParameter("sort", OpenApiTypes.STR, enum=list(scorecards.SORTS),
                             description="The column to sort by (default `overdue`, most first)."),
        ],
        responses=ScorecardListSerializer,
        auth=[],
    )
    def get(self, request):
        unknown = sorted(set(request.query_params) - set(PARAMETERS))
        if unknown:
            raise ValidationError({name: [_("Unknown parameter; this list takes: %(allowed)s.") % {
                "allowed": ", ".join(PARAMETERS[:-1])}] for name in unknown})
        etag, last_modified = conditional.list_validators(request, request.accepted_renderer.format)
        if unchanged := conditional.not_modified(request, etag, last_modified):
            return unchanged
        sort = request.query_params.get("sort", "overdue")
        if sort not in scorecards.SORTS:
            raise ValidationError({"sort": [_("“%(value)s” is not a sort; choose one of: %(choices)s.") % {
                "value": sort[:100], "choices": ", ".join(scorecards.SORTS)}]})
        session = None
        if slug := request.query_params.get("session"):
            session = Session.objects.filter(slug=slug).first()
            if session is None:
                raise ValidationError({"session": [_("No session %(slug)s.") % {"slug": slug[:100]}]})
        rows = [_row(authority, card) for authority, card in scorecards.comparison(session=session, sort=sort)]
        data = ScorecardListSerializer(
            {"session": session.slug if session else None, "sort": sort, "results": rows},
            context={"request": request},
        ).data
        return conditional.set_validators(Response(data), etag, last_modified)
