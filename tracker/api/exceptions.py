"""Every API error is JSON: DRF's own errors, model validation from the lifecycle, protected deletes, 404s."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        # The lifecycle's refusals ("a reply needs an earlier referral"), keyed by field where they name one.
        return Response(as_serializer_error(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError):
        blockers = sorted({obj._meta.verbose_name_plural for obj in exc.protected_objects})
        detail = _("Still in use by other records (%(kinds)s); remove or reassign those first.") % {
            "kinds": ", ".join(str(kind) for kind in blockers)
        }
        return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)


@csrf_exempt  # a POST to a wrong address is a JSON 404, not a CSRF page
def not_found(request, *args, **kwargs):
    """JSON 404 for addresses under the API that name no resource."""
    return JsonResponse({"detail": _("No API resource at this address.")}, status=404)
