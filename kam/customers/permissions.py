"""Permission codes of the customer file (R1.2, R2), with the default roles that get them."""

from django.utils.translation import gettext_lazy as _

from kam.core.registry import PermissionCode

CUSTOMERS_VIEW = "customers.view"
CUSTOMERS_ADD = "customers.add"
CUSTOMERS_CHANGE = "customers.change"
CUSTOMERS_ARCHIVE = "customers.archive"
CUSTOMERS_REASSIGN = "customers.reassign"  # move a customer to another owner/team
CUSTOMERS_PURGE = "customers.purge"  # delete archived customers / removed contacts for good

_MANAGERS = ("account_manager", "dept_manager", "director", "vp", "admin")

PERMISSIONS = (
    PermissionCode(CUSTOMERS_VIEW, _("View customers and contacts"), ("specialist", *_MANAGERS, "finance"), order=100),
    PermissionCode(CUSTOMERS_ADD, _("Create customers"), ("specialist", *_MANAGERS), order=110),
    PermissionCode(CUSTOMERS_CHANGE, _("Edit customers and contacts"), ("specialist", *_MANAGERS), order=120),
    PermissionCode(CUSTOMERS_ARCHIVE, _("Archive and restore customers"), _MANAGERS, order=130),
    PermissionCode(CUSTOMERS_REASSIGN, _("Reassign customers to another owner or team"), _MANAGERS, order=140),
    PermissionCode(
        CUSTOMERS_PURGE, _("Purge archived customers and removed contacts (delete for good)"), ("admin",), order=150
    ),
)
