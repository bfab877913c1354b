"""django-csp's middleware, with the site's policies built once per process instead of for every response.

django-csp builds both headers from the settings for each response, a tenth of an API list's time in Python.
No view here sets a policy of its own (csp_update, csp_replace…) and no page uses a nonce, so the headers are the
settings' policies; a response that asks for either, or any response while DEBUG is on, goes through
django-csp's own process_response unchanged.
"""

import functools

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed

# What a view's csp decorators leave on its response.
PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


@functools.cache
def _site_policies():
    """(header, policy, the response attribute exempting it, URL prefixes it leaves out) for both headers."""
    def excluded(setting):
        return tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())

    return (
        (HEADER, build_policy(), "_csp_exempt", excluded("CONTENT_SECURITY_POLICY")),
        (HEADER_REPORT_ONLY, build_policy(report_only=True), "_csp_exempt_ro",
         excluded("CONTENT_SECURITY_POLICY_REPORT_ONLY")),
    )


def _forget_policies(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _site_policies.cache_clear()


setting_changed.connect(_forget_policies, dispatch_uid="tracker-site-csp-policies")


class SiteCSPMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        if settings.DEBUG or getattr(request, "_csp_nonce", None) is not None or \
                any(getattr(response, name, None) is not None for name in PER_RESPONSE):
            return super().process_response(request, response)
        for header, policy, exempt, excluded in _site_policies():
            if policy and header not in response and not getattr(response, exempt, False) and \
                    not request.path_info.startswith(excluded):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent no-op.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
