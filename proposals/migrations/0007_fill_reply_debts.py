"""Store the lifecycle's reply debts on existing events, and the proposals' reply due dates under the new rule.

The rule is proposals.lifecycle.reply_debts, the same function the timeline service calls on every save;
proposals are read a batch at a time so that a large database is filled in bounded memory.
"""

from django.db import migrations

from proposals import lifecycle

BATCH = 2000
EVENT_FIELDS = ["reply_due_on", "reply_owed_by_id", "reply_settled_by_id"]


def fill(apps, schema_editor):
    Proposal = apps.get_model("proposals", "Proposal")
    StatusEvent = apps.get_model("proposals", "StatusEvent")
    database = schema_editor.connection.alias
    last_id = 0
    while True:
        ids = list(Proposal.objects.using(database).filter(pk__gt=last_id).order_by("pk")
                   .values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        last_id = ids[-1]
        timelines = {pk: [] for pk in ids}
        for event in StatusEvent.objects.using(database).filter(proposal_id__in=ids).order_by("date", "id"):
            timelines[event.proposal_id].append(event)
        changed_events, changed_proposals = [], []
        for proposal in Proposal.objects.using(database).filter(pk__in=ids).only("pk", "reply_due_on"):
            events = timelines[proposal.pk]
            debts = lifecycle.reply_debts(events)
            by_event = {debt.opened_by.pk: debt for debt in debts}
            for event in events:
                debt = by_event.get(event.pk)
                if debt is None:
                    continue
                event.reply_due_on, event.reply_owed_by_id = debt.due_on, debt.owed_by_id
                event.reply_settled_by_id = debt.settled_by.pk if debt.settled_by else None
                changed_events.append(event)
            due = lifecycle.reply_due(debts)
            if proposal.reply_due_on != due:
                proposal.reply_due_on = due
                changed_proposals.append(proposal)
        StatusEvent.objects.using(database).bulk_update(changed_events, EVENT_FIELDS, batch_size=1000)
        Proposal.objects.using(database).bulk_update(changed_proposals, ["reply_due_on"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("proposals", "0006_reply_debts_on_events")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
