"""PostgreSQL: the bigram substring index of customers, the same scheme as SQLite's FTS5 table
(kam/customers/search.py) — a SQL function cutting ``search_text`` into overlapping bigrams, a
stored generated column ``search_vector`` (its tsvector; not a model field — the database keeps it)
and a GIN index on it; a substring query becomes a phrase query (``'华东' <-> '东精'``). A stored
column rather than an expression index so that rechecks and filters never re-run the function.
Needs no extension (pg_trgm could not use an index for two-character Chinese queries)."""

from django.db import migrations

GRAMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION kam_grams(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(
           CASE WHEN g.i < length(r.run) THEN substr(r.run, g.i, 2) ELSE substr(r.run, g.i, 1) END,
           ' ' ORDER BY r.n, g.i), '')
  FROM regexp_split_to_table(lower(coalesce(t, '')), '[^[:alnum:]]+') WITH ORDINALITY AS r(run, n)
  CROSS JOIN LATERAL generate_series(1, length(r.run)) AS g(i)
  WHERE r.run <> ''
$$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(GRAMS_FUNCTION)
    schema_editor.execute(
        "ALTER TABLE customers_customer ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, kam_grams(search_text))) STORED"
    )
    schema_editor.execute("CREATE INDEX cust_search_vector ON customers_customer USING gin (search_vector)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE customers_customer DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute("DROP FUNCTION IF EXISTS kam_grams(text)")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
