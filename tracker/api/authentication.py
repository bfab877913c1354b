"""API tokens that expire: DRF's authtoken, valid API_TOKEN_DAYS (90 by default) from the day each was made.

An administrator revokes a token by deleting it in the admin (Auth Token), and gives a new one with
`manage.py drf_create_token -r <username>`; the token list there shows when each one expires.
"""

import datetime

from django.conf import settings
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.exceptions import AuthenticationFailed


def token_days():
    return int(getattr(settings, "API_TOKEN_DAYS", 90))


def expires_at(token):
    return token.created + datetime.timedelta(days=token_days())


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        expiry = expires_at(token)
        if expiry <= timezone.now():
            raise AuthenticationFailed(
                _("This token expired on {date}; ask an administrator for a new one.").format(
                    date=timezone.localtime(expiry).date().isoformat())
            )
        return user, token


@admin.display(description=_("expires"), ordering="created")
def expires(token):
    expiry = expires_at(token)
    day = timezone.localtime(expiry).date().isoformat()
    return _("{date} (expired)").format(date=day) if expiry <= timezone.now() else day


# DRF registers its own admin for tokens; it gains the expiry column here, where the expiry is decided.
if expires not in TokenAdmin.list_display:
    TokenAdmin.list_display = (*TokenAdmin.list_display, expires)
