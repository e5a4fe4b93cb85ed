"""SQLite: the bigram FTS5 substring index of customers (see kam/customers/search.py), filled
from the existing search texts; and a composite index for the region + credit rating filter."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from kam.customers.search import FTS_TABLE, index_customers

    schema_editor.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS {} USING fts5(grams, tokenize='unicode61 remove_diacritics 0')".format(
            FTS_TABLE
        )
    )
    Customer = apps.get_model("customers", "Customer")
    rows = Customer.objects.using(schema_editor.connection.alias).values_list("id", "search_text")
    index_customers(rows.iterator(chunk_size=2000), using=schema_editor.connection.alias)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from kam.customers.search import FTS_TABLE

    schema_editor.execute("DROP TABLE IF EXISTS {}".format(FTS_TABLE))


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_search_grams_pg")]
    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["status", "province", "credit_rating"], name="cust_status_prov_rating"),
        ),
    ]
