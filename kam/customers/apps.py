"""The customer file app — and everything it plugs into the registry (nav, home panel,
permission codes, unit usage, owned items, change-log parent and events, demo, gen-data and
bench steps, URLs and API schema)."""

from django.apps import AppConfig
from django.db.models.signals import post_delete, pre_save
from django.utils.translation import gettext_lazy as _


def _unindex_deleted_customer(sender, instance, using, **kwargs):
    from .search import unindex_customer

    unindex_customer(instance.pk, using=using)


class CustomersConfig(AppConfig):
    name = "kam.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from . import registrations

        registrations.register_all()
        post_delete.connect(
            _unindex_deleted_customer, sender=self.get_model("Customer"), dispatch_uid="kam_unindex_customer"
        )
        from .duplicates import keep_name_key

        pre_save.connect(keep_name_key, sender=self.get_model("Customer"), dispatch_uid="kam_customer_name_key")
