"""The names of delegates and companies as typed in pinyin, without tones (proposals/meaning/chinese.name_key)."""

from django.db import migrations, models


def fill_pinyin_keys(apps, schema_editor):
    from proposals.meaning.chinese import name_key

    Delegate = apps.get_model("people", "Delegate")
    Company = apps.get_model("people", "Company")
    delegates = list(Delegate.objects.only("name_zh", "name_pinyin", "other_names"))
    for delegate in delegates:
        delegate.pinyin_key = name_key(chinese=delegate.name_zh, pinyin=delegate.name_pinyin,
                                       other=delegate.other_names)
    Delegate.objects.bulk_update(delegates, ["pinyin_key"], batch_size=1000)
    companies = list(Company.objects.only("name_zh"))
    for company in companies:
        company.pinyin_key = name_key(chinese=company.name_zh)
    Company.objects.bulk_update(companies, ["pinyin_key"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0004_text_limits'),
    ]

    operations = [
        migrations.AddField(
            model_name='company',
            name='pinyin_key',
            field=models.CharField(blank=True, editable=False, max_length=300, verbose_name='name for pinyin search'),
        ),
        migrations.AddField(
            model_name='delegate',
            name='pinyin_key',
            field=models.CharField(blank=True, editable=False, max_length=300, verbose_name='name for pinyin search'),
        ),
        migrations.AddField(
            model_name='historicalcompany',
            name='pinyin_key',
            field=models.CharField(blank=True, editable=False, max_length=300, verbose_name='name for pinyin search'),
        ),
        migrations.AddField(
            model_name='historicaldelegate',
            name='pinyin_key',
            field=models.CharField(blank=True, editable=False, max_length=300, verbose_name='name for pinyin search'),
        ),
        migrations.RunPython(fill_pinyin_keys, migrations.RunPython.noop),
    ]
