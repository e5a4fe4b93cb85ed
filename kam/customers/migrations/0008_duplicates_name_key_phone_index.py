"""The duplicate check (kam/customers/duplicates.py): a stored, indexed normalised name
``name_key`` (exact "same name" matches without a table scan), filled for the existing customers;
and an index on the customer's phone (exact "same phone" matches)."""

import kam.core.validators
from django.db import migrations, models


def fill_name_keys(apps, schema_editor):
    from kam.customers.duplicates import name_key

    Customer = apps.get_model("customers", "Customer")
    db = schema_editor.connection.alias
    rows = list(Customer.objects.using(db).values_list("id", "name"))
    for start in range(0, len(rows), 1000):
        batch = [Customer(id=pk, name_key=name_key(name)) for pk, name in rows[start : start + 1000]]
        Customer.objects.using(db).bulk_update(batch, ["name_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_customer_credit_rank"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="name_key",
            field=models.CharField(
                blank=True, db_index=True, default="", editable=False, max_length=200, verbose_name="normalised name"
            ),
        ),
        migrations.AlterField(
            model_name="customer",
            name="phone",
            field=models.CharField(
                blank=True,
                db_index=True,
                max_length=32,
                validators=[kam.core.validators.validate_phone],
                verbose_name="phone",
            ),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
    ]
