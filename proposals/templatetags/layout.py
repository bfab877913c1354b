"""The site's header and footer, rendered once per language (and, for the header, current section) per process.

They were a third of a list page's template time: two dozen translated strings, eight reversed addresses and
the language menu on every page, the same for every reader but for the search box's text and the address the
language menu returns to. Those two are stand-ins in the kept HTML, filled in (escaped) per request.
"""

import functools

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# The sections of the main navigation, as their list pages' URL names.
SECTIONS = ("proposals:theme_list", "proposals:proposal_list", "people:delegate_list", "people:company_list",
            "proposals:session_list", "proposals:authority_list")
# Unlike anything a path or a search holds, and unchanged by HTML escaping.
_SEARCH, _NEXT = "search-stand-in-5e0c9a", "/next-stand-in-5e0c9a"
_kept = {}


@functools.cache
def _section_addresses():
    return [reverse(name) for name in SECTIONS]


def current_section(path):
    """The address of the navigation section `path` is in ("" for none): its link is marked as the current page."""
    return next((address for address in _section_addresses() if path.startswith(address)), "")


def _kept_render(name, key, context):
    # While developing, templates change under a running server: render afresh each time then.
    if settings.DEBUG:
        return render_to_string(name, context).strip()
    html = _kept.get(key)
    if html is None:
        html = _kept[key] = render_to_string(name, context).strip()
    return html


@register.simple_tag(takes_context=True)
def site_header(context):
    request = context.get("request")  # an error page may be rendered without one
    current = current_section(request.path) if request else ""
    html = _kept_render("includes/site_header.html", ("header", get_language(), current),
                        {"current": current, "search_value": _SEARCH, "next_path": _NEXT})
    search, back = (request.GET.get("q", ""), request.get_full_path()) if request else ("", "/")
    return mark_safe(html.replace(_SEARCH, escape(search)).replace(_NEXT, escape(back)))


@register.simple_tag
def site_footer():
    return mark_safe(_kept_render("includes/site_footer.html", ("footer", get_language()), {}))
