"""Every API error is JSON: DRF's own errors, model validation from the lifecycle, protected deletes, 404s,
refusals of the database, and throttling (always with Retry-After)."""

import logging
import math

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.exceptions import APIException, Throttled
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This write conflicts with another one made at the same moment; read the "
                                  "resource again and retry.")
    default_code = "conflict"


def flattened(errors, prefix=""):
    """A 400's errors in the API's one shape: {name: [messages]}, a nested field named by its dotted path.

    DRF nests errors as the data was nested (`{"sponsors": {"0": [...]}}`, `{"timeline": [{}, {"date": [...]}]}`);
    a client then needs a walker per field. Flat, every key is a parameter or a field path (`sponsors.0`,
    `timeline.1.date`) and every value a list of messages; `detail` is one message about the whole request.
    """
    if isinstance(errors, dict):
        items = errors.items()
    elif isinstance(errors, list) and any(isinstance(item, (dict, list)) for item in errors):
        items = ((str(index), item) for index, item in enumerate(errors))
    else:
        return {prefix: errors if isinstance(errors, list) else [errors]} if prefix else {"detail": _joined(errors)}
    flat = {}
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if name == "detail" and not isinstance(value, (dict, list)):
            flat[name] = value  # a message about the whole request stays a string, as in every other error
            continue
        if name in ("", "detail"):
            # A parameter or field named "" or "detail" cannot have a key of its own (`detail` is one string):
            # its messages become the message about the request, naming it.
            named = _("A parameter or field with no name") if not name else "“detail”"
            flat["detail"] = f"{named}: {_joined(value)}"
            continue
        flat.update(flattened(value, name))
    return flat


def _joined(messages):
    if isinstance(messages, dict):
        messages = list(messages.values())
    if not isinstance(messages, list):
        return str(messages)
    return " ".join(_joined(message) for message in messages)


def exception_handler(exc, context):
    response = _handled(exc, context)
    if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST and \
            isinstance(response.data, (dict, list)):
        response.data = flattened(response.data)
    return response


def _handled(exc, context):
    if isinstance(exc, Throttled) and not exc.wait:
        exc.wait = 1  # DRF sends Retry-After only for a positive wait; a client must always be told when
    if isinstance(exc, IntegrityError):
        # A write the serializers let through and the database refused (views name the field where they can).
        logger.warning("Database refused an API write: %s", exc)
        return Response({"detail": str(Conflict.default_detail)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DataError):
        logger.warning("Database refused a value of an API request: %s", exc)
        return Response({"detail": _("A value in this request is out of the range the database can store.")},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        # The lifecycle's refusals ("a reply needs an earlier referral"), keyed by field where they name one.
        return Response(as_serializer_error(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError):
        blockers = sorted({obj._meta.verbose_name_plural for obj in exc.protected_objects})
        detail = _("Still in use by other records (%(kinds)s); remove or reassign those first.") % {
            "kinds": ", ".join(str(kind) for kind in blockers)
        }
        return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, Throttled) and response is not None and "Retry-After" not in response:
        response["Retry-After"] = str(max(1, math.ceil(exc.wait or 1)))
    return response


@csrf_exempt  # a POST to a wrong address is a JSON 404, not a CSRF page
def not_found(request, *args, **kwargs):
    """JSON 404 for addresses under the API that name no resource."""
    return JsonResponse({"detail": _("No API resource at this address.")}, status=404)
