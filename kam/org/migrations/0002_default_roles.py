"""Formerly seeded the default roles by importing live code. The default roles are now synced
from the registry after every ``migrate`` (``kam.org.roles.sync_default_roles``), so this
migration does nothing; it stays for the databases that applied it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = []
