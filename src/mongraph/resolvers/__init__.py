"""Query and mutation logic: authorize, validate, call the datastore, return payloads."""
