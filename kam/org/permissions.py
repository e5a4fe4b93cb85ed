"""Permission codes and the default roles of R1.2.

A role is data (:class:`kam.org.models.Role`): a code, a name, a *scope kind* and a list of
permission codes. The defaults below are seeded by a data migration and can be changed by an
admin. The scope kind decides which customers a grant reaches (R1.2/R1.3):

* ``own``  — the customers the user owns plus those whose account (project) team the user is on;
* ``unit`` — every customer whose team lies in the subtree of the org unit the role is granted at
  (a team for an account manager, a department for a department manager, the root for director,
  VP, finance and admin).
"""

from django.utils.translation import gettext_lazy as _

# Customer file (R2)
CUSTOMERS_VIEW = "customers.view"
CUSTOMERS_ADD = "customers.add"
CUSTOMERS_CHANGE = "customers.change"
CUSTOMERS_ARCHIVE = "customers.archive"
CUSTOMERS_REASSIGN = "customers.reassign"  # move a customer to another owner/team
# Organisation (R1)
ORG_MANAGE = "org.manage"  # org units, users, role grants
CHANGELOG_ALL = "changelog.all"  # history of non-customer objects (org units, users, grants)

ALL_PERMISSIONS = {
    CUSTOMERS_VIEW: _("View customers and contacts"),
    CUSTOMERS_ADD: _("Create customers"),
    CUSTOMERS_CHANGE: _("Edit customers and contacts"),
    CUSTOMERS_ARCHIVE: _("Archive and restore customers"),
    CUSTOMERS_REASSIGN: _("Reassign customers to another owner or team"),
    ORG_MANAGE: _("Manage org units, users and role grants"),
    CHANGELOG_ALL: _("See the change log of the organisation"),
}

SCOPE_OWN = "own"
SCOPE_UNIT = "unit"

_FULL_CUSTOMER = [CUSTOMERS_VIEW, CUSTOMERS_ADD, CUSTOMERS_CHANGE, CUSTOMERS_ARCHIVE, CUSTOMERS_REASSIGN]

# code, Chinese name, English name, scope kind, permissions, sort order
DEFAULT_ROLES = [
    (
        "specialist",
        "大客户专员",
        "Key-account specialist",
        SCOPE_OWN,
        [CUSTOMERS_VIEW, CUSTOMERS_ADD, CUSTOMERS_CHANGE],
        10,
    ),
    ("account_manager", "大客户经理", "Account manager", SCOPE_UNIT, _FULL_CUSTOMER, 20),
    ("dept_manager", "大客户部经理", "Department manager", SCOPE_UNIT, _FULL_CUSTOMER, 30),
    ("director", "客户总监", "Director", SCOPE_UNIT, _FULL_CUSTOMER, 40),
    ("vp", "副总经理", "Vice president", SCOPE_UNIT, _FULL_CUSTOMER, 50),
    ("finance", "财务", "Finance", SCOPE_UNIT, [CUSTOMERS_VIEW], 60),
    ("hr", "人力资源", "HR", SCOPE_UNIT, [], 70),
    ("gift_admin", "礼品管理员", "Gift administrator", SCOPE_UNIT, [], 80),
    ("office_director", "办公室主任", "Office director", SCOPE_UNIT, [], 90),
    ("admin", "系统管理员", "Administrator", SCOPE_UNIT, _FULL_CUSTOMER + [ORG_MANAGE, CHANGELOG_ALL], 100),
]
