"""The change log files each change under a generic parent (content type + id) instead of a
customer id: a model says what it is filed under (``change_log_parent``). Existing rows filed
under a customer keep their place. Also: actions are no longer limited to create/update/delete
(events such as archive/restore), and events carry their data."""

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ObjectChange = apps.get_model("core", "ObjectChange")
    if not ObjectChange.objects.filter(customer_id__isnull=False).exists():
        return
    ct, _created = ContentType.objects.get_or_create(app_label="customers", model="customer")
    ObjectChange.objects.filter(customer_id__isnull=False).update(parent_type=ct, parent_id=models.F("customer_id"))


def backwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ObjectChange = apps.get_model("core", "ObjectChange")
    ct = ContentType.objects.filter(app_label="customers", model="customer").first()
    if ct is not None:
        ObjectChange.objects.filter(parent_type=ct).update(customer_id=models.F("parent_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="objectchange",
            name="action",
            field=models.CharField(max_length=32, verbose_name="action"),
        ),
        migrations.AddField(
            model_name="objectchange",
            name="parent_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="filed under (type)",
            ),
        ),
        migrations.AddField(
            model_name="objectchange",
            name="parent_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="filed under (id)"),
        ),
        migrations.AddField(
            model_name="objectchange",
            name="data",
            field=models.JSONField(blank=True, default=dict, verbose_name="event data"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveIndex(model_name="objectchange", name="core_object_custome_c98474_idx"),
        migrations.RemoveField(model_name="objectchange", name="customer_id"),
        migrations.AddIndex(
            model_name="objectchange",
            index=models.Index(fields=["parent_type", "parent_id", "-time"], name="core_change_parent_idx"),
        ),
    ]
