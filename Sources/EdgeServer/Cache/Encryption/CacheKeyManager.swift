import EdgeConfig
import EdgeOrigin
import EdgeStore
import EdgeTLS
import Foundation
import Logging
import Synchronization

/// Puts the cache's data keys into the store's ``StoreKeyring`` and keeps them there.
///
/// - `key_file`: the 32-byte key is read at start (``CacheKeyFile``); a bad file stops the start.
/// - `kms`: `keys.json` (``CacheKeyringFile``) holds the data keys as KMS encrypted them. At start
///   each one still needed (the current one, and any that sealed entries still in the cache) is
///   sent to KMS `Decrypt`; with none yet, or when `kms_key_id` changed, `GenerateDataKey` makes a
///   new current key under the configured KMS key. If KMS cannot be reached or refuses, the cache
///   stays off (requests pass through to the origin) and the manager retries in the background,
///   from 2 s doubling to 5 minutes, until it has the key; it logs the cause and the fix once per
///   distinct failure.
/// - `rotate()`: a new data key for new entries; entries sealed with older keys stay readable
///   until they are evicted, replaced or invalidated (their keys are retired at the first start
///   that finds no entry left under them).
///
/// KMS calls block, so they run on the manager's own queue, never on an event loop.
public final class CacheKeyManager: Sendable {
    /// What `POST /cache/rotate-key` reports.
    public struct Rotation: Sendable {
        public var previous: String?
        public var current: String
        public var kmsKeyARN: String
    }

    private struct State {
        var stopped = false
        var retryDelay: Duration = .seconds(2)
        var lastFailure: String?
        var file = CacheKeyringFile()
    }

    private let encryption: CacheEncryptionSettings
    private let directory: String
    let keyring: StoreKeyring?
    private let kms: KMSClient?
    private let logger: Logger
    private let metrics: EdgeMetrics
    private let queue = DispatchQueue(label: "s3edge-cache-keys")
    private let state = Mutex(State())

    /// For `settings`' encryption mode; KMS calls (mode `kms`) are signed with the credentials
    /// `cache.encryption.credentials` names, from `credentials` (prepared for the configuration).
    public init(settings: CacheSettings, credentials: CredentialSources,
                environment: [String: String], logger: Logger, metrics: EdgeMetrics) {
        encryption = settings.encryption
        directory = settings.path
        self.logger = logger
        self.metrics = metrics
        switch settings.encryption {
        case .none:
            keyring = nil
            kms = nil
        case .keyFile:
            keyring = StoreKeyring()
            kms = nil
        case .kms(let options):
            keyring = StoreKeyring()
            kms = KMSClient(
                endpoint: options.endpoint ?? KMSClient.defaultEndpoint(region: options.region, environment: environment),
                region: options.region, credentials: { try credentials.source(for: options.credentials).current() },
                environment: environment)
        }
    }

    /// Whether the cache can be used: always in clear, once a key is installed otherwise.
    public var isReady: Bool { keyring?.isReady ?? true }

    /// Installs the keys, or (mode `kms`, KMS failing) starts the background retries and returns:
    /// the cache passes requests through meanwhile. Throws only for a key file that cannot be
    /// used, which must stop the start. Call after the store opened: `entriesByKey` is its
    /// start-up report's count of entries per data key.
    public func start(entriesByKey: [UInt32: Int]) throws {
        switch encryption {
        case .none:
            logger.warning("cache.encryption.mode is none: cached objects are stored in clear on disk", metadata: [
                "path": "\(directory)",
                "fix": "set cache.encryption.mode to kms (with kms_key_id) or key_file, so that cached copies are encrypted at rest",
            ])
            metrics.setCacheKeyReady(true)
        case .keyFile(let path, _):
            let key = try CacheKeyFile.load(path: path)
            let id = keyring!.install(key, makeCurrent: true)
            let stale = entriesByKey.filter { $0.key != id && $0.key != 0 }.values.reduce(0, +)
            logger.info("cache encrypted with the key from \(path)", metadata: [
                "key_id": "\(id.keyIDText)", "entries_under_other_keys": "\(stale)",
            ])
            if stale > 0 {
                logger.notice("\(stale) cached entries were sealed with another key: they are dropped as they are requested and fetched again")
            }
            metrics.setCacheKeyReady(true)
        case .kms(let options):
            metrics.setCacheKeyReady(false)
            queue.sync { attemptKMS(options, entriesByKey: entriesByKey) }
        }
    }

    /// Stops the background retries.
    public func shutdown() {
        state.withLock { $0.stopped = true }
    }

    /// Overwrites the data keys in memory: call once the cache is closed.
    public func wipeKeys() {
        keyring?.wipe()
    }

    /// Makes a new data key current (mode `kms`). Blocks: call it off the event loops.
    public func rotate() throws -> Rotation {
        guard case .kms(let options) = encryption, let kms, let keyring else {
            throw CacheKeyRotationError(reason: encryption.isKeyFile
                ? "the cache key comes from key_file: rotate it by installing a new key file and restarting (entries sealed with the old key are then fetched again)"
                : "cache.encryption.mode is none: there is no key to rotate")
        }
        return try queue.sync {
            guard keyring.isReady else {
                throw CacheKeyRotationError(reason: "the cache has no data key yet (KMS has not answered since the start): \(state.withLock { $0.lastFailure } ?? "retrying")")
            }
            let previous = keyring.currentID
            let made = try generate(options, kms: kms)
            logger.notice("cache data key rotated", metadata: [
                "previous": "\(previous?.keyIDText ?? "-")", "current": "\(made.id.keyIDText)", "kms_key": "\(made.arn)",
            ])
            return Rotation(previous: previous?.keyIDText, current: made.id.keyIDText, kmsKeyARN: made.arn)
        }
    }

    // MARK: KMS

    private func attemptKMS(_ options: KMSEncryptionSettings, entriesByKey: [UInt32: Int]) {
        guard let kms, let keyring, !state.withLock({ $0.stopped }) else { return }
        do {
            let stored = try CacheKeyringFile.read(in: directory)
            var file = stored ?? CacheKeyringFile()
            // Keys no entry needs any more are not decrypted, and leave the file.
            let needed = file.keys.filter { key in
                key.id == file.current || (key.numericID.map { entriesByKey[$0, default: 0] > 0 } ?? false)
            }
            for retired in file.keys where !needed.contains(retired) {
                logger.info("cache data key \(retired.id) retired: no cached entry uses it")
            }
            file.keys = needed
            var currentIsUsable = false
            for stored in needed {
                let secret: SecretBytes
                do {
                    guard let blob = Data(base64Encoded: stored.ciphertextBlob) else {
                        throw CacheKeyringFileError(path: CacheKeyringFile.path(in: directory),
                                                    problem: "has a key \(stored.id) whose ciphertext_blob is not base64",
                                                    fix: "move the file away: s3edge then makes a new data key")
                    }
                    secret = try kms.decrypt(ciphertextBlob: Array(blob), keyID: nil, encryptionContext: stored.encryptionContext)
                } catch let error as KMSError where stored.id != file.current || error.meansKeyIsLost {
                    // A key KMS cannot open (an older one for any reason; the current one only if
                    // KMS says it never will, e.g. its KMS key is gone): its entries are dropped as
                    // they are asked for, and a lost current key is replaced below.
                    logger.warning("cache data key \(stored.id) could not be decrypted; entries sealed with it will be fetched again",
                                   metadata: ["error": "\(error)"])
                    continue
                }
                guard StoreKeyring.identifier(of: secret).keyIDText == stored.id else {
                    logger.error("KMS decrypted keys.json entry \(stored.id) to a different key; it is not used")
                    continue
                }
                let isCurrent = stored.id == file.current && stored.kmsKeyID == options.keyID
                keyring.install(secret, makeCurrent: isCurrent)
                if isCurrent { currentIsUsable = true }
            }
            state.withLock { $0.file = file }
            if !currentIsUsable {
                let reason = file.current == nil ? "no data key yet" : "kms_key_id changed to \(options.keyID)"
                let made = try generate(options, kms: kms)
                logger.notice("cache data key created (\(reason))", metadata: ["key_id": "\(made.id.keyIDText)", "kms_key": "\(made.arn)"])
            } else if file != stored {
                // Only when keys were retired: an unchanged file is not rewritten at every start.
                try file.write(in: directory)
            }
            let current = keyring.currentID?.keyIDText ?? "-"
            state.withLock {
                $0.lastFailure = nil
                $0.retryDelay = .seconds(2)
            }
            metrics.setCacheKeyReady(true)
            logger.info("cache encrypted with a KMS data key; caching is on", metadata: [
                "key_id": "\(current)", "kms_key_id": "\(options.keyID)",
            ])
        } catch {
            failedKMS(error, options: options, entriesByKey: entriesByKey)
        }
    }

    /// GenerateDataKey, recorded in keys.json before it seals anything, then made current.
    private func generate(_ options: KMSEncryptionSettings, kms: KMSClient) throws -> (id: UInt32, arn: String) {
        let context = ["s3edge-cache": directory]
        let dataKey = try kms.generateDataKey(keyID: options.keyID, encryptionContext: context)
        let id = StoreKeyring.identifier(of: dataKey.plaintext)
        var file = state.withLock { $0.file }
        file.keys.removeAll { $0.id == id.keyIDText }
        file.keys.append(CacheKeyringFile.Key(
            id: id.keyIDText, kmsKeyID: options.keyID, kmsKeyARN: dataKey.keyARN,
            ciphertextBlob: Data(dataKey.ciphertextBlob).base64EncodedString(), encryptionContext: context,
            created: ISO8601DateFormatter().string(from: Date())))
        file.current = id.keyIDText
        try file.write(in: directory)
        state.withLock { $0.file = file }
        keyring?.install(dataKey.plaintext, makeCurrent: true)
        return (id, dataKey.keyARN)
    }

    private func failedKMS(_ error: any Error, options: KMSEncryptionSettings, entriesByKey: [UInt32: Int]) {
        let text = "\(error)"
        let (delay, isNew) = state.withLock { state -> (Duration, Bool) in
            let isNew = state.lastFailure != text
            state.lastFailure = text
            let delay = state.retryDelay
            state.retryDelay = min(state.retryDelay * 2, .seconds(300))
            return (delay, isNew)
        }
        metrics.kmsFailures.increment()
        let metadata: Logger.Metadata = [
            "kms_key_id": "\(options.keyID)", "retry_in": "\(delay)",
            "fix": "the KMS key policy and s3edge's IAM identity must allow kms:GenerateDataKey and kms:Decrypt on \(options.keyID), and KMS must be reachable (cache.encryption.kms_endpoint / AWS_ENDPOINT_URL_KMS)",
        ]
        if isNew {
            logger.error("cache off, serving as a pass-through proxy: the cache's data key is not available: \(text)", metadata: metadata)
        } else {
            logger.debug("KMS still failing: \(text)", metadata: metadata)
        }
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(delay.nanoseconds))) { [self] in
            guard keyring?.isReady != true else { return }
            attemptKMS(options, entriesByKey: entriesByKey)
        }
    }
}

extension KMSError {
    /// KMS will never decrypt this blob (no such key, or not its ciphertext): retrying is useless,
    /// while refusals, disabled keys and unreachable endpoints can be fixed by the operator.
    var meansKeyIsLost: Bool {
        kind == .notFound || kind == .invalidCiphertext
    }
}

/// Why `rotate-key` could not rotate.
public struct CacheKeyRotationError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

extension CacheEncryptionSettings {
    var isKeyFile: Bool {
        if case .keyFile = self { true } else { false }
    }

    /// As written in the configuration.
    var modeName: String {
        switch self {
        case .none: "none"
        case .kms: "kms"
        case .keyFile: "key_file"
        }
    }
}
