"""How an operation runs: the selection walk, relation fields and their prefetch, paging,
the cost model and limits, and the executor. Knows GraphQL and the loaders, not the
domain's types or resolvers."""
