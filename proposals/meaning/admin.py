"""The editors' side of meaning: the review list of suggested cross-year pairs, and what a proposal's add and
change pages suggest (likely duplicates and earlier versions of any year and language, themes).

The proposal admin (proposals/admin.py) renders `change_form_context` on its pages and calls `link_ticked`
after saving; everything else is here.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from proposals.models import Proposal

from . import embedding, pairs, similar, store, themes
from .models import PairSuggestion

LINK_FIELD = "_meaning_link"  # ticked on the add page: link as related once saved
SUGGESTIONS = 5


@admin.register(PairSuggestion)
class PairSuggestionAdmin(admin.ModelAdmin):
    """Pairs of proposals of different years that read alike: confirm (link as related) or dismiss."""

    list_display = ["first_proposal", "second_proposal", "score", "state", "decided_by", "decided_at"]
    list_filter = ["state"]
    list_select_related = ["first__session", "second__session", "decided_by"]
    actions = ["confirm_selected", "dismiss_selected"]
    readonly_fields = ["first", "second", "score", "model", "state", "decided_by", "decided_at", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("first__session", "second__session")

    def changelist_view(self, request, extra_context=None):
        # The review list opens on what waits for a decision; the filter shows the decided ones.
        if "state__exact" not in request.GET and not request.GET.get("_changelist_filters") and request.method == "GET":
            query = request.GET.copy()
            query["state__exact"] = PairSuggestion.State.SUGGESTED
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False  # the tracker suggests pairs; editors link proposals on the proposal's page

    def has_change_permission(self, request, obj=None):
        return _may_link(request)

    def has_delete_permission(self, request, obj=None):
        return False  # a dismissed pair must stay, or it would be suggested again

    def has_view_permission(self, request, obj=None):
        return _may_link(request)

    def has_module_permission(self, request):
        return _may_link(request)

    @admin.display(description=_("proposal"), ordering="first__session__year")
    def first_proposal(self, suggestion):
        return _proposal_link(suggestion.first)

    @admin.display(description=_("reads like"), ordering="second__session__year")
    def second_proposal(self, suggestion):
        return _proposal_link(suggestion.second)

    @admin.action(description=_("Confirm: the same idea (link them as related)"))
    def confirm_selected(self, request, queryset):
        self._decide(request, queryset, PairSuggestion.State.CONFIRMED)

    @admin.action(description=_("Dismiss: not the same idea (never suggest them again)"))
    def dismiss_selected(self, request, queryset):
        self._decide(request, queryset, PairSuggestion.State.DISMISSED)

    def _decide(self, request, queryset, state):
        chosen = list(queryset.filter(state=PairSuggestion.State.SUGGESTED).select_related("first", "second"))
        for suggestion in chosen:
            pairs.decide(suggestion, state, request.user)
        message = ngettext("%(count)d pair confirmed and linked as related.",
                           "%(count)d pairs confirmed and linked as related.", len(chosen)) \
            if state == PairSuggestion.State.CONFIRMED else \
            ngettext("%(count)d pair dismissed.", "%(count)d pairs dismissed.", len(chosen))
        self.message_user(request, message % {"count": len(chosen)}, messages.SUCCESS)

    def get_urls(self):
        link = path("link/<int:pk>/<int:other>/", self.admin_site.admin_view(self.link_view),
                    name="meaning_link_related")
        return [link, *super().get_urls()]

    def link_view(self, request, pk, other):
        """One click on a proposal's change page: link a suggested proposal as related, then back to the page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        proposal, linked = get_object_or_404(Proposal, pk=pk), get_object_or_404(Proposal, pk=other)
        change_page = reverse("admin:proposals_proposal_change", args=[proposal.pk])
        if not _may_link(request):
            self.message_user(request, _("You may not change proposals."), messages.ERROR)
            return HttpResponseRedirect(change_page)
        try:
            pairs.link(proposal, linked, request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, _("Linked “%(other)s” as the same idea.") % {"other": linked}, messages.SUCCESS)
        return HttpResponseRedirect(change_page)


def _may_link(request):
    return request.user.has_perm("proposals.change_proposal")


def _proposal_link(proposal):
    return format_html('<a href="{}">{}</a> <span class="quiet">{}</span>',
                       reverse("admin:proposals_proposal_change", args=[proposal.pk]), proposal.title_en,
                       proposal.session.name_en if proposal.session_id else "")


def _typed_text(form):
    """The proposal's text as the form holds it: what the editor typed on a page sent back, else as stored."""
    if form is not None and form.is_bound:
        return store.proposal_text({name: form.data.get(name, "") for name in store.TEXT_FIELDS})
    return None


def change_form_context(request, proposal, form):
    """What the add and change pages show: proposals that read like this one (other years and languages too)
    and themes it may belong to. On an empty add page there is nothing to compare yet."""
    stored = proposal is not None and proposal.pk is not None
    typed = _typed_text(form)
    try:
        if typed:
            vector = embedding.embed([typed])[0]
        elif stored:
            vector = store.vector_of(proposal.pk)
        else:
            return {}
        if vector is None:
            return {}
        from . import index

        skip = set()
        if stored:
            skip = {proposal.pk, *proposal.related.values_list("pk", flat=True), *pairs.decided_pairs(proposal.pk)}
        floor = embedding.backend().bands.related
        found = [(pk, score) for pk, score in index.nearest(vector, limit=SUGGESTIONS, proposals=Proposal.objects.all(),
                                                            exclude=skip) if score >= floor]
        themes_had = list(proposal.themes.all()) if stored else []
        return {
            "meaning_matches": [_labelled(match, proposal) for match in similar.matches(found)],
            "meaning_themes": themes.suggest(vector, found, exclude=themes_had),
            "meaning_link_field": LINK_FIELD,
            "meaning_stored": stored,
            "meaning_lexical": not embedding.backend().meaning,
        }
    except Exception:  # suggestions help an editor; they must never stop one from saving
        import logging

        logging.getLogger(__name__).exception("Suggestions for a proposal's page failed")
        return {}


def _labelled(match, proposal):
    """A match with what it probably is: the same proposal entered twice, or the idea in another year."""
    session = getattr(proposal, "session", None) if proposal is not None and proposal.session_id else None
    if session is not None and match.proposal.session_id == session.pk:
        kind = _("likely duplicate (same session)")
    elif session is not None and match.proposal.session.year < session.year:
        kind = _("likely earlier version")
    else:
        kind = _("same idea in another session")
    return {"match": match, "kind": kind}


def link_ticked(request, proposal):
    """After saving: link the proposals the editor ticked on the page as related (the add page's one click)."""
    ids = [int(value) for value in request.POST.getlist(LINK_FIELD) if value.isdigit()]
    for other in Proposal.objects.filter(pk__in=ids).exclude(pk=proposal.pk):
        pairs.link(proposal, other, request.user)
