"""Roles remember which default permission codes they have been given (the sync after migrate
adds only codes a role never had, so an administrator's removals stay). Existing roles were
seeded by 0002: what they hold now counts as given."""

from django.db import migrations, models

import kam.org.models


def seeded_is_current(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    for role in Role.objects.all():
        role.seeded_permissions = list(role.permissions or [])
        role.save(update_fields=["seeded_permissions"])


class Migration(migrations.Migration):
    dependencies = [("org", "0002_default_roles")]

    operations = [
        migrations.AddField(
            model_name="role",
            name="seeded_permissions",
            field=models.JSONField(blank=True, default=list, editable=False, verbose_name="default permissions given"),
        ),
        migrations.RunPython(seeded_is_current, migrations.RunPython.noop),
        migrations.AlterModelManagers(
            name="user",
            managers=[("objects", kam.org.models.KamUserManager())],
        ),
    ]
