"""信用等级 as a rank (R2: AAA → AA → A → BBB → BB → B → C, unrated last), a stored column the
database generates from ``credit_rating`` — so existing rows get it when it is added, and no
write path (services, bulk loads, ``logged_update``) can leave it stale — with its index for
``WHERE status = … ORDER BY credit_rank, id``."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_customer_name_sort")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="credit_rank",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(credit_rating="AAA", then=models.Value(0)),
                    models.When(credit_rating="AA", then=models.Value(1)),
                    models.When(credit_rating="A", then=models.Value(2)),
                    models.When(credit_rating="BBB", then=models.Value(3)),
                    models.When(credit_rating="BB", then=models.Value(4)),
                    models.When(credit_rating="B", then=models.Value(5)),
                    models.When(credit_rating="C", then=models.Value(6)),
                    default=models.Value(7),
                    output_field=models.PositiveSmallIntegerField(),
                ),
                output_field=models.PositiveSmallIntegerField(),
                verbose_name="credit rank",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["status", "credit_rank", "id"], name="cust_status_credit_rank"),
        ),
    ]
