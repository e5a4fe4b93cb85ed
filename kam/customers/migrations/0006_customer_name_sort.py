"""The pinyin sort key of customer names (R2: the list in the order Chinese users expect), filled
for the existing customers in batches, and its index for ``WHERE status = … ORDER BY name_sort,
id``.

The key function is a copy of :func:`kam.customers.search.name_sort_key` as it was when this
migration was written (a migration must not change with the live code); a test checks that the
two agree."""

import re
import unicodedata

from django.db import migrations, models

NAME_SORT_MAX = 800
BATCH = 2000


def name_sort_key(name):
    from pypinyin import lazy_pinyin

    folded = unicodedata.normalize("NFKC", name or "").lower()
    text = " ".join(lazy_pinyin(folded, errors="default")) if folded else ""
    return " ".join(re.sub(r"[\W_]+", " ", text).split())[:NAME_SORT_MAX]


def fill_name_sort(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    db = schema_editor.connection.alias
    table = schema_editor.quote_name(Customer._meta.db_table)
    last = 0
    while True:
        rows = list(
            Customer.objects.using(db).filter(pk__gt=last).order_by("pk").values_list("pk", "name")[:BATCH]
        )
        if not rows:
            break
        with schema_editor.connection.cursor() as cur:
            cur.executemany(
                f"UPDATE {table} SET name_sort = %s WHERE id = %s", [(name_sort_key(name), pk) for pk, name in rows]
            )
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_credit_code_example_postcode_digits")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="name_sort",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=800, verbose_name="name sort key"
            ),
        ),
        migrations.RunPython(fill_name_sort, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["status", "name_sort", "id"], name="cust_status_name_sort"),
        ),
    ]
