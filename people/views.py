"""Reader pages for delegates and companies: who they are, where they sit, what they proposed."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from proposals.models import Proposal
from proposals.views.cards import rendered_cards
from proposals.views.pagination import paginate

from . import lists
from .models import Company, Delegate


def delegate_list(request):
    form = lists.DelegateListForm(request.GET)
    page, notice = paginate(request, lists.delegates(form))
    notices = form.notices() + ([notice] if notice else [])
    return render(request, "people/delegate_list.html", {"page": page, "notices": notices, "form": form})


def delegate_detail(request, slug):
    delegate = get_object_or_404(Delegate, slug=slug)
    proposals = Proposal.objects.published().filter_by(delegate=delegate).with_related().order_by(
        "-session__opened_on", "session__pk", "-status_date", "-id")
    page, notice = paginate(request, proposals)
    return render(request, "people/delegate_detail.html", {
        "delegate": delegate,
        "memberships": delegate.memberships.select_related("body"),
        "affiliations": delegate.affiliations.select_related("company"),
        "page": page, "cards": rendered_cards(page), "notices": [notice] if notice else [],
        "feed_url": reverse("people:feed_delegate", kwargs={"slug": delegate.slug}),
    })


def company_list(request):
    form = lists.CompanyListForm(request.GET)
    page, notice = paginate(request, lists.companies(form))
    notices = form.notices() + ([notice] if notice else [])
    return render(request, "people/company_list.html", {"page": page, "notices": notices, "form": form})


def company_detail(request, slug):
    company = get_object_or_404(Company, slug=slug)
    proposals = Proposal.objects.published().filter_by(company=company).with_related().order_by(
        "-session__opened_on", "-status_date", "-id")
    page, notice = paginate(request, proposals)
    return render(request, "people/company_detail.html", {
        "company": company,
        "affiliations": company.affiliations.select_related("delegate"),
        "page": page, "cards": rendered_cards(page), "notices": [notice] if notice else [],
        "events": company.events.select_related("source"),
        "feed_url": reverse("people:feed_company", kwargs={"slug": company.slug}),
    })
