"""The gateway's migrations, `mNNNN_<name>.py`, applied in order by `datastore/migrate.py`.

A migration that changes what `documents.py` or `relations.py` declare (a field, a
type, an index) ends with `await apply_schema(ctx)` and sets `SCHEMA` to
`schema_fingerprint()`; `tests/datastore/test_migrations.py` fails until the newest
such migration's `SCHEMA` matches the code.
"""
