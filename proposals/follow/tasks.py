"""The work that runs outside the request, on the task queue (django-tasks; settings.TASKS says which backend).

In production the database backend queues these for `manage.py db_worker`; in development the immediate
backend runs them in the process that enqueued them, once its transaction has committed. The webhook tasks
live with the deliveries they make, in webhooks.py.
"""

from django_tasks import task

from . import digests, emails
from .models import Subscription


@task()
def send_confirmation(subscription_id):
    """Mail the link that confirms a sign-up (double opt-in: nothing else is sent before it is used)."""
    subscription = Subscription.objects.select_related("subscriber").filter(pk=subscription_id).first()
    if subscription is not None:
        emails.confirmation(subscription).send()


@task()
def send_digests():
    """The periodic run, for schedulers that enqueue tasks rather than run commands."""
    return str(digests.run())
