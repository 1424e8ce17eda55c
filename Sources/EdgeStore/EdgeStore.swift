/// The LMDB-backed cache store.
