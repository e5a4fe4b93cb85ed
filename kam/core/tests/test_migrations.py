"""The change log's data migration: rows filed under a customer id keep their place under the
generic parent (core 0003)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_0003_files_existing_changes_under_their_customer():
    executor = MigrationExecutor(connection)
    old = [("core", "0002_initial")]
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    ContentType = apps.get_model("contenttypes", "ContentType")
    ObjectChange = apps.get_model("core", "ObjectChange")
    unit_type, _created = ContentType.objects.get_or_create(app_label="org", model="orgunit")
    common = {"source": "web", "request_id": "r", "content_type": unit_type, "object_id": 1, "object_repr": "x"}
    ObjectChange.objects.create(action="update", customer_id=42, changes={"name": ["a", "b"]}, **common)
    ObjectChange.objects.create(action="update", customer_id=None, changes={}, **common)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    apps = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    ObjectChange = apps.get_model("core", "ObjectChange")
    filed = {(r.parent_type.app_label if r.parent_type else None, r.parent_id) for r in ObjectChange.objects.all()}
    assert filed == {("customers", 42), (None, None)}
    assert {f.name for f in ObjectChange._meta.get_fields()} >= {"parent_type", "parent_id", "data"}
    assert "customer_id" not in {f.name for f in ObjectChange._meta.get_fields()}
