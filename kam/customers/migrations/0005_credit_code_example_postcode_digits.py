"""The credit code's help text gives a checksum-valid example (it was 91310000MA1FL4KX6B, which
fails its own check character); postcodes are ASCII digits (``\\d`` also took other scripts'
digits; full-width ones are folded before the check). No change to the tables (R2)."""

import django.core.validators
from django.db import migrations, models

import kam.customers.validators


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_search_index")]

    operations = [
        migrations.AlterField(
            model_name="customer",
            name="credit_code",
            field=models.CharField(
                help_text="18 characters, e.g. 91310000MA1FL4KX60",
                max_length=18,
                unique=True,
                validators=[kam.customers.validators.validate_credit_code],
                verbose_name="unified social credit code",
            ),
        ),
        migrations.AlterField(
            model_name="customer",
            name="postcode",
            field=models.CharField(
                blank=True,
                max_length=6,
                validators=[
                    django.core.validators.RegexValidator("^[0-9]{6}$", "A postcode is six digits.", code="postcode")
                ],
                verbose_name="postcode",
            ),
        ),
    ]
