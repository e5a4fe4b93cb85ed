"""Seed the default roles of R1.2 (an admin may change them afterwards)."""

from django.db import migrations


def seed_roles(apps, schema_editor):
    from kam.org.permissions import DEFAULT_ROLES

    Role = apps.get_model("org", "Role")
    for code, name_zh, name_en, scope, permissions, order in DEFAULT_ROLES:
        Role.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "scope": scope,
                "permissions": list(permissions),
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(seed_roles, migrations.RunPython.noop)]
