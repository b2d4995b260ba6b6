"""The GraphQL API: the root operation types, the request pipeline and the assembled schema."""
