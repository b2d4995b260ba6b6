"""The only package that talks to MongoDB (imports pymongo/bson)."""
