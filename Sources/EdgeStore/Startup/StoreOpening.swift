import Logging

/// Opens the environment and makes it trustworthy, or rebuilds it empty — never a crash loop.
///
/// Unreadable means: LMDB rejects the file (`MDB_INVALID`, `MDB_VERSION_MISMATCH`,
/// `MDB_CORRUPTED`, `MDB_PAGE_NOTFOUND`, …), the `state` database lacks our format marker or
/// holds another one, the previous start-up died while checking the file, or a `NOSYNC` session
/// of an earlier boot never ended. Each is logged as one line and the files are replaced. Errors
/// that a rebuild would not fix (permissions, a full disk, a lock held elsewhere) are thrown.
struct StoreOpening {
    struct Opened {
        let environment: LMDBEnvironment
        let directory: CacheDirectory
        let ledger: WriterLedger
        let report: StartupReport
    }

    /// The format marker is missing or wrong.
    private struct ForeignFormat: Error {
        let reason: String
    }

    let configuration: CacheStoreConfiguration
    let logger: Logger

    func open() throws(CacheStoreOpenError) -> Opened {
        let directory = try CacheDirectory(path: configuration.path)
        let lock = try CacheDirectoryLock(directory)
        let bootID = configuration.bootIDOverride ?? currentBootID()
        var problem = directory.previousRunProblem(bootID: bootID)
        if problem == nil {
            do {
                return try openAndCheck(directory, lock: lock, bootID: bootID, rebuiltBecause: nil)
            } catch let error as LMDBError where error.meansUnreadableFile {
                problem = error.description
            } catch let error as ForeignFormat {
                problem = error.reason
            } catch {
                directory.endChecking()
                throw openError(error)
            }
        }
        let report = StartupReport(path: configuration.path, rebuiltBecause: problem, entryCount: 0,
                                   usedBytes: 0, droppedEntries: 0, orphanChunksRemoved: 0, entriesByKey: [:])
        logger.warning("\(report.rebuildLogLine ?? "")")
        directory.removeAll()
        do {
            return try openAndCheck(directory, lock: lock, bootID: bootID, rebuiltBecause: problem)
        } catch {
            directory.endChecking()
            throw openError(error)
        }
    }

    /// The markers bracket everything that reads the file or commits to it: the checking marker
    /// from before `mdb_env_open` to after the check, and (in `NOSYNC` mode) the session marker
    /// from before the first unsynced commit — start-up's own — to the final sync at close.
    private func openAndCheck(_ directory: CacheDirectory, lock: CacheDirectoryLock, bootID: String,
                              rebuiltBecause: String?) throws -> Opened {
        try directory.beginChecking()
        if configuration.durability == .survivesProcessCrash {
            try directory.beginUnsyncedSession(bootID: bootID)
        }
        let environment = try LMDBEnvironment(
            path: configuration.path, lock: lock, mapSize: configuration.mapSize,
            maxReaders: configuration.maxReaders + 8, durability: configuration.durability
        )
        try checkFormat(environment)
        let outcome = try StartupCheck(environment: environment).run()
        directory.endChecking()
        if configuration.durability == .survivesSystemCrash {
            // A NOSYNC session of this boot may have left unsynced pages: once they are on disk,
            // its marker no longer applies.
            try environment.syncToDisk()
            directory.endUnsyncedSession()
        }
        let report = StartupReport(
            path: configuration.path, rebuiltBecause: rebuiltBecause,
            entryCount: outcome.counters.entryCount, usedBytes: outcome.counters.usedBytes,
            droppedEntries: outcome.droppedEntries, orphanChunksRemoved: outcome.orphanChunks,
            entriesByKey: outcome.entriesByKey
        )
        let ledger = WriterLedger(nextGeneration: outcome.counters.nextGeneration,
                                  usedBytes: outcome.counters.usedBytes, entryCount: outcome.counters.entryCount)
        return Opened(environment: environment, directory: directory, ledger: ledger, report: report)
    }

    /// A new file gets the markers; an existing one must carry exactly ours, and be sealed
    /// exactly when the configuration asks for encryption.
    private func checkFormat(_ environment: LMDBEnvironment) throws {
        let transaction = try LMDBWriteTransaction(environment)
        let expected = StateRecords.formatValue
        let sealed = configuration.keyring != nil
        if let marker = try transaction.view.get(environment.state, StateRecords.formatKey) {
            guard marker.elementsEqual(expected) else {
                throw ForeignFormat(reason: "format marker \"\(String(decoding: marker, as: UTF8.self))\", expected s3edge-store version \(StateRecords.formatVersion)")
            }
            let wasSealed = try transaction.view.get(environment.state, StateRecords.sealingKey) != nil
            if wasSealed != sealed {
                throw ForeignFormat(reason: sealed
                    ? "cache.encryption is now on and the file holds objects stored in clear; it is replaced so that no plaintext stays on disk"
                    : "cache.encryption is now off and the file holds encrypted objects")
            }
            return
        }
        let empty = try [environment.meta, environment.body, environment.state].allSatisfy { try transaction.view.count($0) == 0 }
        guard empty else { throw ForeignFormat(reason: "no s3edge format marker") }
        try transaction.put(environment.state, StateRecords.formatKey, expected)
        if sealed { try transaction.put(environment.state, StateRecords.sealingKey, StateRecords.sealingValue) }
        try transaction.commit()
    }

    private func openError(_ error: any Error) -> CacheStoreOpenError {
        if let error = error as? CacheStoreOpenError { return error }
        return CacheStoreOpenError(path: configuration.path, reason: "\(error)",
                                   fix: "check the directory's permissions and free space")
    }
}
