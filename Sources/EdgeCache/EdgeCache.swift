/// Pure caching logic: keys, freshness, TTLs, request collapsing, eviction. No C, no sockets.
