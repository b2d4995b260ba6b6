"""Strawberry types, inputs and payloads; `schema.py` assembles them."""
