"""The OpenAPI schema as the API really behaves: each operation's 4xx answers and its HTTP validators."""

from django import forms
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import SAFE_METHODS

from .filters import MAX_VALUES, ListField, WholeNumberField

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A 400 (tracker.api.exceptions.flattened): parameter or field path -> messages, or `detail`, one message.
VALIDATION_ERROR = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "properties": {"detail": {"type": "string", "description": "A message about the request as a whole (a body "
                                                                 "that is not JSON)."}},
    "description": "Each key names the parameter or field at fault, a nested one by its dotted path "
    "(`sponsors.1`, `timeline.0.status`), `non_field_errors` the whole request; each value is a list of messages.",
}
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "Requests this client may make in the current window (the tightest throttle that "
                         "applies; see the description).",
    "X-RateLimit-Remaining": "Requests left in that window.",
    "X-RateLimit-Reset": "Seconds until the window has room again.",
}
DESCRIPTIONS = {
    "304": "Not modified: the representation matching If-None-Match / If-Modified-Since is still current.",
    "400": "Bad request: a malformed or unknown parameter or field, or an impossible status sequence.",
    "401": "Not authenticated: send `Authorization: Token <key>` (or sign in for session auth).",
    "403": "Forbidden: signed in, but without the model permission (the Editors group has it).",
    "404": "No such object.",
    "409": "Conflict: other records still point at this one, or a write at the same moment got there first.",
    "412": "Precondition failed: If-Match names an ETag that is no longer current; nothing was changed.",
    "413": "Request body too large: more than the API takes (DATA_UPLOAD_MAX_MEMORY_SIZE); nothing was changed.",
    "422": "Idempotency-Key reused for a different request (another body or address); use a new key.",
    "428": "Precondition required: send If-Match with the ETag you read; nothing was changed.",
    "429": "Too many requests: throttled; retry after the number of seconds in Retry-After.",
}
CREATES = {"create", "record_status"}
UNPAGED_FILTERED = {"export", "ids"}
WRITES = {"create", "update", "partial_update", "destroy", "record_status"}
CONDITIONAL_WRITES = {"update", "partial_update", "destroy", "record_status"}


class OptionalURLFieldExtension(OpenApiSerializerFieldExtension):
    """A URL that may be left empty: the schema says so, where a bare `format: uri` would call "" invalid."""

    target_class = "tracker.api.fields.OptionalURLField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        uri = {"type": "string", "format": "uri", **({"maxLength": field.max_length} if field.max_length else {})}
        if not field.allow_blank:
            return uri
        return {"anyOf": [uri, {"type": "string", "maxLength": 0}], "description": "A URL, or empty."}


def _filter_schema(form_field, schema):
    """The limits a filter's form field enforces, stated in its parameter's schema."""
    if isinstance(form_field, ListField):
        schema = {**schema, "maxItems": MAX_VALUES}
    elif isinstance(form_field, WholeNumberField):
        schema = {"type": "integer", "minimum": form_field.min_value, "maximum": form_field.max_value}
    elif isinstance(form_field, forms.CharField) and form_field.max_length:
        schema = {**schema, "maxLength": form_field.max_length}
    return schema


def empty_means_absent(result, generator, request, public):
    """Postprocessing hook: every query parameter given empty is the same as not given (as form posts send)."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = True
    return result


# Representations a client may trim with `fields=`: only `id`, which every trimmed item keeps, is always there.
TRIMMABLE = ("ProposalListOutput", "ProposalDetailOutput")


def trimmable_representations(result, generator, request, public):
    """Postprocessing hook: the fields of a trimmable representation are required only when not trimmed away."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in TRIMMABLE:
        if name in schemas and "required" in schemas[name]:
            schemas[name]["required"] = ["id"]
            schemas[name]["description"] = (schemas[name].get("description", "") + " Every field is there unless "
                                             "`fields=` leaves it out; `id` always is.").strip()
    return result


class APIAutoSchema(AutoSchema):
    def _action(self):
        return getattr(self.view, "action", None)

    def get_auth(self):
        # Reading needs no account (a token changes nothing a read shows): no security requirement on reads, so
        # the docs show no padlock and generated clients take an anonymous client. Writes name their schemes.
        if self.method in SAFE_METHODS:
            return []
        return super().get_auth()

    def get_filter_backends(self):
        # The export and the id listings take the list's filters, though they answer no paged list.
        if self._action() in UNPAGED_FILTERED:
            return getattr(self.view, "filter_backends", [])
        return super().get_filter_backends()

    def _get_filter_parameters(self):
        parameters = super()._get_filter_parameters()
        filterset_class = getattr(self.view, "filterset_class", None)
        if filterset_class is None:
            return parameters
        for parameter in parameters:
            filter_field = filterset_class.base_filters.get(parameter["name"])
            if filter_field is not None:
                parameter["schema"] = _filter_schema(filter_field.field, parameter["schema"])
                # A filter whose schema is declared by type (extend_schema_field) loses its help text otherwise.
                if not parameter.get("description") and filter_field.extra.get("help_text"):
                    parameter["description"] = str(filter_field.extra["help_text"])
                if isinstance(filter_field.field, ListField):
                    parameter["description"] += " Several values: repeat the parameter or separate them by commas."
        return parameters

    def _error_codes(self):
        action = self._action()
        codes = {"429"}
        if self.method == "GET":
            codes.add("400")
            if action != "export":
                codes.add("304")
        if self._is_detail():
            codes.add("404")
        # A plain APIView (no viewset action) that takes a body, such as intake: refused as any write is.
        if action in WRITES or (action is None and self.method in ("POST", "PUT", "PATCH")):
            codes.update({"400", "401", "403"})
            if action != "destroy":
                codes.add("413")
        if action in CONDITIONAL_WRITES:
            codes.update({"412", "428"})
        if action in CREATES:
            codes.update({"409", "422"})
        if action == "destroy":
            codes.add("409")
            codes.discard("400")
        return codes

    def _is_detail(self):
        return "{" in self.path

    def _component(self, name, schema):
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in sorted(self._error_codes()):
            if code in responses:
                continue
            if code == "304":
                responses[code] = {"description": DESCRIPTIONS[code]}
                continue
            schema = self._component("ValidationError" if code == "400" else "Error",
                                     VALIDATION_ERROR if code == "400" else ERROR)
            responses[code] = {
                "content": {"application/json": {"schema": schema}},
                "description": DESCRIPTIONS[code],
            }
        return responses

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        action = self._action()
        if self.method == "GET" and action != "export":
            parameters += [
                OpenApiParameter(
                    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
                    description="An ETag from an earlier response: 304 if the representation is unchanged.",
                ),
                OpenApiParameter("ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200],
                                 description="Validator of this representation."),
                OpenApiParameter("Last-Modified", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200],
                                 description="When the data behind this representation last changed; "
                                 "sent once that second is over."),
            ]
        parameters += [
            OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.HEADER, response=True, description=text)
            for name, text in RATE_LIMIT_HEADERS.items()
        ]
        if action in CONDITIONAL_WRITES:
            parameters.append(
                OpenApiParameter(
                    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
                    description="The ETag you read: without it the write is refused with 428, and with 412 if "
                    "the object changed since.",
                )
            )
        if action in CREATES:
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key", {"type": "string", "pattern": "^[!-~]{1,255}$"}, OpenApiParameter.HEADER,
                    description="Any unique string (a UUID): a retry with the same key gets the first answer "
                    "again instead of creating a second record; kept 24 hours per user.",
                )
            )
        return parameters
