"""A source's full text, with the quote a citation points at marked (?from=…&to=… are its offsets)."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from proposals.models import Source

from .proposal_pages import is_editor


def source_text(request, pk):
    sources = Source.objects.exclude(text="")
    if not is_editor(request):  # asked without touching a reader's session: the page stays cacheable
        # Readers see the text of a report that backs something they can see.
        sources = sources.filter(Q(status_events__published=True, status_events__proposal__published=True)
                                 | Q(company_events__isnull=False)).distinct()
    source = get_object_or_404(sources, pk=pk)
    start, end = _span(request, len(source.text))
    context = {"source": source, "before": source.text, "quote": "", "after": ""}
    if start is not None:
        context.update(before=source.text[:start], quote=source.text[start:end], after=source.text[end:])
    return render(request, "proposals/source_text.html", context)


def _span(request, length):
    try:
        start, end = int(request.GET.get("from", "")), int(request.GET.get("to", ""))
    except ValueError:
        if "from" in request.GET or "to" in request.GET:
            raise Http404("The quote's offsets are not numbers.") from None
        return None, None
    if not 0 <= start < end <= length:
        raise Http404("The quote's offsets are outside the text.")
    return start, end
