"""The delegate and company lists readers work through: a name in any language or pinyin, filters, sort orders.

As on the proposal list, the URL is the state and a value the site does not know is left out with a notice.
"""


from django import forms
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from proposals.bilingual import reader_name_key, reader_prefers_chinese
from proposals.models import Body
from proposals.querysets import named

from .models import Affiliation, Company, Delegate, Membership

DELEGATE_SORTS = {"name": gettext_lazy("Name"), "proposals": gettext_lazy("Most proposals")}
COMPANY_SORTS = {"name": gettext_lazy("Name"), "delegates": gettext_lazy("Most delegates")}


class ListForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=200)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False)

    def notices(self):
        return [_("“%(value)s” is not a known %(field)s, so that filter was left out.")
                % {"value": str(self.data.get(name, ""))[:100], "field": str(self.fields[name].label).lower()}
                for name in self.errors]


class DelegateListForm(ListForm):
    body = forms.ChoiceField(label=gettext_lazy("Body"), required=False)
    term = forms.TypedChoiceField(label=gettext_lazy("Term"), required=False, coerce=int, empty_value=None)
    sector = forms.ChoiceField(label=gettext_lazy("Sector"), required=False)

    def __init__(self, data):
        super().__init__(data)
        anything = [("", _("Any"))]
        self.fields["body"].choices = anything + [(body.slug, body.short_name) for body in Body.objects.all()]
        terms = Membership.objects.exclude(term=None).order_by("-term").values_list("term", flat=True).distinct()
        self.fields["term"].choices = anything + [(str(term), str(term)) for term in terms]
        sectors = Company.objects.exclude(sector="").order_by("sector").values_list("sector", flat=True).distinct()
        self.fields["sector"].choices = anything + [(sector, sector) for sector in sectors]
        self.fields["sort"].choices = list(DELEGATE_SORTS.items())


class CompanyListForm(ListForm):
    sector = forms.ChoiceField(label=gettext_lazy("Sector"), required=False)

    def __init__(self, data):
        super().__init__(data)
        sectors = Company.objects.exclude(sector="").order_by("sector").values_list("sector", flat=True).distinct()
        self.fields["sector"].choices = [("", _("Any"))] + [(sector, sector) for sector in sectors]
        self.fields["sort"].choices = list(COMPANY_SORTS.items())


def delegates(form):
    """The delegates the form selects, each with its published proposals counted, in the chosen order."""
    form.is_valid()
    data = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if value not in (None, "")}
    chosen = named(Delegate, data["q"]) if data.get("q") else Delegate.objects.all()
    seat = {}
    if data.get("body"):
        seat["memberships__body__slug"] = data["body"]
    if data.get("term"):
        seat["memberships__term"] = data["term"]
    if seat:
        chosen = chosen.filter(**seat)  # one filter(): the body and the term of the same seat
    if data.get("sector"):
        chosen = chosen.filter(affiliations__company__sector=data["sector"])
    chosen = chosen.distinct().annotate(
        proposal_count=Count("sponsorships", filter=Q(sponsorships__proposal__published=True), distinct=True))
    if data.get("sort") == "proposals":
        chosen = chosen.order_by("-proposal_count", "name_en", "pk")
    elif reader_prefers_chinese():
        chosen = chosen.order_by("name_pinyin", "name_en", "pk")
    else:
        chosen = chosen.order_by("name_en", "pk")
    return chosen.prefetch_related(
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("company")),
        Prefetch("memberships", queryset=Membership.objects.select_related("body").order_by("body", "term")),
    )


def companies(form):
    """The companies the form selects, in natural name order (or by their number of delegates): a list, since a
    database orders "Company 10" before "Company 2"; there are a few hundred at most."""
    form.is_valid()
    data = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if value not in (None, "")}
    chosen = named(Company, data["q"]) if data.get("q") else Company.objects.all()
    if data.get("sector"):
        chosen = chosen.filter(sector=data["sector"])
    rows = list(chosen.annotate(people_count=Count("affiliations__delegate", distinct=True)))
    rows.sort(key=reader_name_key)
    if data.get("sort") == "delegates":
        rows.sort(key=lambda company: -company.people_count)  # stable: names stay in order within a count
    return rows
