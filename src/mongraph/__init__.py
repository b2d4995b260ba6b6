"""mongraph: a GraphQL gateway over MongoDB."""

__all__ = ["__version__"]

__version__ = "0.1.0"
