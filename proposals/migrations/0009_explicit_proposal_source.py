
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0008_sponsorship_seat_exception_and_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalProposalSource',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('proposal', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='proposals.proposal')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='proposals.source')),
            ],
            options={
                'verbose_name': 'historical source of the proposal',
                'verbose_name_plural': 'historical sources of the proposal',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        # The implicit many-to-many table becomes the explicit model's: same table, same columns, same
        # unique pair. Only Django's state changes; the database is left as it is.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ProposalSource',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('proposal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='proposals.proposal')),
                        ('source', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='proposals.source')),
                    ],
                    options={
                        'verbose_name': 'source of the proposal',
                        'verbose_name_plural': 'sources of the proposal',
                        'db_table': 'proposals_proposal_sources',
                        'unique_together': {('proposal', 'source')},
                    },
                ),
                migrations.AlterField(
                    model_name='proposal',
                    name='sources',
                    field=models.ManyToManyField(blank=True, related_name='proposals', through='proposals.ProposalSource', to='proposals.source'),
                ),
            ],
            database_operations=[],
        ),
    ]
