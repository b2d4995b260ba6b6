"""Proofs of identity: one-time link codes and wallet signatures (no database, no GraphQL)."""
