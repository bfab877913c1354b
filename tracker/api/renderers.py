"""JSON through orjson: several times faster than the standard library on a page of plain dicts."""

import orjson
from rest_framework.renderers import BaseRenderer


def _fallback(value):
    # Lazy translation strings (error messages) and other str-like objects.
    return str(value)


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition; no charset parameter

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        # Datetimes are UTC with a "Z", as the serializers' fields write them.
        return orjson.dumps(data, default=_fallback, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)
