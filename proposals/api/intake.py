"""POST /api/v1/intake/: what the tracker would propose from a report's text, as JSON; nothing is written."""


from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from proposals.intake import reading as intake_reading
from proposals.intake.text import MAX_CHARACTERS, IntakeError


class IsEditor(permissions.BasePermission):
    """Editors who may add proposals (intake proposes drafts)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff and user.has_perm("proposals.add_proposal"))


class IntakeInput(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False, allow_blank=True, max_length=MAX_CHARACTERS)
    title = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    author = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    publisher = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    url = serializers.URLField(required=False, allow_blank=True, max_length=500, default="")
    published_on = serializers.DateField(required=False, allow_null=True, default=None)


class IntakeView(APIView):
    permission_classes = [IsEditor]

    @extend_schema(request=IntakeInput, responses={200: OpenApiTypes.OBJECT}, summary="Read a report (writes nothing)",
                   description="What intake would propose from the text: source, delegates, companies, session, "
                               "draft proposals with quotes and offsets, company events, possible repeats.")
    def post(self, request):
        given = IntakeInput(data=request.data)
        given.is_valid(raise_exception=True)
        fields = given.validated_data
        try:
            result = intake_reading.read(fields.pop("text"), **fields)
        except IntakeError as error:
            raise serializers.ValidationError({error.field: [error.message]}) from error
        return Response(result.as_json())


__all__ = ["IntakeView"]
