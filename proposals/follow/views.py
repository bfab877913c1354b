"""The follow pages: sign up for a digest, confirm it from the mail, stop or manage it, register a webhook.

The reader pages only link here, so they set no cookie and stay in the response cache; these pages hold
the forms, set the CSRF cookie and are never cached (some show an address). The one view that takes a POST
without a CSRF token is `stop`: mail clients post to it for one-click unsubscribe (RFC 8058), and the signed
token in its address is what authorises it.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from people.models import Company, Delegate
from proposals.models import Authority, Proposal, Theme

from . import limits, subscriptions, tasks, tokens
from .forms import FollowForm, WebhookEndpointForm, parse_search
from .models import Frequency, Subscription
from .wording import describe_search, what

TARGETS = {
    "proposal": lambda key: get_object_or_404(Proposal.objects.published(), pk=key),
    "theme": lambda key: get_object_or_404(Theme, slug=key),
    "delegate": lambda key: get_object_or_404(Delegate, slug=key),
    "company": lambda key: get_object_or_404(Company, slug=key),
    "authority": lambda key: get_object_or_404(Authority, slug=key),
}
TOO_MANY = 429


@never_cache
def follow(request, kind, key):
    target = TARGETS[kind](key)
    subscription = Subscription(kind=kind, **{kind: target})
    return _follow_page(request, subscription, page_url=target.get_absolute_url())


@never_cache
def follow_search(request):
    params = request.GET if request.method == "GET" else request.POST.get("query", "")
    query, filters, notices = parse_search(params)
    subscription = Subscription(kind=Subscription.Kind.SEARCH, query=query, filters=filters)
    list_url = reverse("proposals:proposal_list")
    return _follow_page(request, subscription, page_url=f"{list_url}?{query}" if query else list_url,
                        notices=notices, parts=describe_search(filters))


def _follow_page(request, subscription, *, page_url, notices=(), parts=None):
    form = FollowForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        email = subscriptions.normalized_email(form.cleaned_data["email"])
        if limits.allow_sign_up(request, email):
            signed_up = subscriptions.sign_up(
                email=email, language=get_language(), kind=subscription.kind, target=subscription.target,
                query=subscription.query, filters=subscription.filters, frequency=form.cleaned_data["frequency"],
            )
            transaction.on_commit(lambda: tasks.send_confirmation.enqueue(signed_up.pk))
            return redirect("follow:sent")
        form.add_error(None, _("Too many sign-ups from here or for this address in the last hour. "
                               "Please try again later."))
        status = TOO_MANY
    described = {subscription.query: parts} if parts is not None else None
    return render(request, "follow/follow.html", {
        "form": form, "subscription": subscription, "what": what(subscription, described), "page_url": page_url,
        "notices": list(notices), "confirm_days": settings.FOLLOW_CONFIRM_DAYS,
    }, status=status)


def sent(request):
    return render(request, "follow/sent.html")


def _read(token, *purposes):
    """(record, purpose) a link's token names, or (None, "expired"/"invalid")."""
    expired = False
    for purpose in purposes:
        try:
            record = tokens.read(purpose, token)
        except signing.SignatureExpired:
            expired = True
            continue
        if record is not None:
            return record, purpose
    return None, "expired" if expired else "invalid"


def _bad_link(request, why):
    return render(request, "follow/bad_link.html", {"expired": why == "expired"}, status=410 if why == "expired"
                  else 404)


@never_cache
def confirm(request, token):
    subscription, purpose = _read(token, tokens.CONFIRM)
    if subscription is None:
        return _bad_link(request, purpose)
    already = subscription.confirmed_at is not None
    if request.method == "POST":
        subscriptions.confirm(subscription)
    return render(request, "follow/confirm.html", {
        "subscription": subscription, "what": what(subscription), "done": request.method == "POST" or already,
        "manage_url": reverse("follow:manage", args=[tokens.make(tokens.MANAGE, subscription.subscriber)]),
    })


@csrf_exempt
@never_cache
def stop(request, token):
    """Stop one subscription, or (the List-Unsubscribe link) everything an address follows: a page with a
    button for people, and the same POST for mail clients' one-click unsubscribe."""
    record, purpose = _read(token, tokens.STOP, tokens.STOP_ALL)
    if record is None:
        return _bad_link(request, purpose)
    everything = purpose == tokens.STOP_ALL
    context = {"everything": everything, "email": record.email if everything else record.subscriber.email,
               "what": None if everything else what(record)}
    if request.method == "POST":
        if everything:
            subscriptions.stop_all(record)
        else:
            subscriptions.stop(record)
        context["done"] = True
    return render(request, "follow/stop.html", context)


@never_cache
def manage(request, token):
    subscriber, purpose = _read(token, tokens.MANAGE)
    if subscriber is None:
        return _bad_link(request, purpose)
    if request.method == "POST":
        return _manage_post(request, subscriber, token)
    followed = subscriber.subscriptions.select_related("proposal", "theme", "delegate", "company", "authority")
    rows = [{"subscription": subscription, "what": what(subscription),
             "stop_url": reverse("follow:stop", args=[tokens.make(tokens.STOP, subscription)])}
            for subscription in followed]
    return render(request, "follow/manage.html", {
        "subscriber": subscriber, "rows": rows, "frequencies": Frequency.choices,
        "stop_all_url": reverse("follow:stop", args=[tokens.make(tokens.STOP_ALL, subscriber)]),
        "saved": "saved" in request.GET,
    })


def _manage_post(request, subscriber, token):
    language = request.POST.get("language")
    if language in dict(settings.LANGUAGES):
        subscriber.language = language
        subscriber.save(update_fields=["language"])
    for subscription in subscriber.subscriptions.all():
        frequency = request.POST.get(f"frequency-{subscription.pk}")
        if frequency in Frequency.values and frequency != subscription.frequency:
            subscriptions.change_frequency(subscription, frequency)
    return redirect(reverse("follow:manage", args=[token]) + "?saved")


@never_cache
def register_webhook(request):
    form = WebhookEndpointForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        if limits.allow_registration(request):
            endpoint = form.save()
            return render(request, "follow/webhook_registered.html", {"endpoint": endpoint})
        form.add_error(None, _("Too many registrations from here in the last hour. Please try again later."))
        status = TOO_MANY
    return render(request, "follow/webhook_register.html", {"form": form}, status=status)
