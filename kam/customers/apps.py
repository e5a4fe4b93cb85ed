from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


def _unindex_deleted_customer(sender, instance, using, **kwargs):
    from .search import unindex_customer

    unindex_customer(instance.pk, using=using)


class CustomersConfig(AppConfig):
    name = "kam.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        post_delete.connect(
            _unindex_deleted_customer, sender=self.get_model("Customer"), dispatch_uid="kam_unindex_customer"
        )
