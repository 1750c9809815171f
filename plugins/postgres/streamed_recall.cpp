// STUB (to be replaced): recall past the cache's bound.
