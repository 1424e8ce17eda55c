@testable import EdgeStore

/// Opens a closed store's environment directly, to change or inspect it behind the store's back.
@discardableResult
func withRawEnvironment<T>(_ configuration: CacheStoreConfiguration,
               _ change: (LMDBEnvironment, LMDBWriteTransaction) throws -> T) throws -> T {
    let directory = try CacheDirectory(path: configuration.path)
    let environment = try LMDBEnvironment(path: configuration.path, lock: try CacheDirectoryLock(directory),
                                          mapSize: configuration.mapSize, maxReaders: 4, durability: configuration.durability)
    let transaction = try LMDBWriteTransaction(environment)
    let result = try change(environment, transaction)
    try transaction.commit()
    return result
}
