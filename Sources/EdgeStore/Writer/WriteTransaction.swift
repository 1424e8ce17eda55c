/// One batch's write transaction plus what to tell callers once it commits: promises are
/// completed only after the commit, so a caller never hears "stored" for something a failed
/// commit took back.
final class WriteTransaction {
    let lmdb: LMDBWriteTransaction
    var completions: [() -> Void] = []

    init(_ environment: LMDBEnvironment) throws {
        lmdb = try LMDBWriteTransaction(environment)
    }

    var view: LMDBTransactionView { lmdb.view }
    var environment: LMDBEnvironment { lmdb.environment }

    /// Writes the counters, then commits.
    func commit(counters: StateRecords.Counters) throws {
        try lmdb.put(environment.state, StateRecords.countersKey, counters.encoded)
        try lmdb.commit()
    }
}
