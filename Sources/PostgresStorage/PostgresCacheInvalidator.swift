import Foundation
import Logging
import PostgresNIO
import Storage
import Synchronization

/// Cache evictions across nodes on one PostgreSQL database: `NOTIFY` on one channel, heard by every node.
///
/// **Sending** (`evict`, after the change committed): evicts on this node at once, then sends one `NOTIFY` through the
/// pool and returns once it is sent (the application sends, no trigger). The payload is `<node> <cache>:<key>`, the
/// node being a random tag of this process. A failed `NOTIFY` is logged: the other nodes then drop the entry when its
/// TTL runs out, as before there was a channel.
///
/// **Receiving** (`channel`, on every node): the node's LISTEN connection (`PostgresListener`) turns each payload into
/// a local eviction. Its own notifications are skipped (evicted already, and evicting again later could drop a fresh
/// entry for nothing); a payload that is not an eviction is dropped. After every (re)connect every cache named here is
/// cleared, since evictions sent while no connection listened are lost.
public final class PostgresCacheInvalidator: CacheInvalidator {
    /// The channel every node listens on and notifies.
    public static let channel = "personaworlds_cache"

    private let store: PostgresStore
    private let logger: Logger
    private let evictLocally: @Sendable (CacheEviction) -> Void
    /// This process's tag in the payloads it sends.
    let sender = String(UUID().uuidString.prefix(8)).lowercased()
    private let sent = Atomic<Int>(0)
    private let heard = Atomic<Int>(0)

    /// - Parameter evictLocally: drops the entry from this node's caches.
    public init(store: PostgresStore, logger: Logger, evictLocally: @escaping @Sendable (CacheEviction) -> Void) {
        self.store = store
        self.logger = logger
        self.evictLocally = evictLocally
    }

    /// NOTIFY statements issued and eviction payloads received so far (tests).
    public var notificationsSent: Int { sent.load(ordering: .relaxed) }
    public var evictionsHeard: Int { heard.load(ordering: .relaxed) }

    public func evict(_ eviction: CacheEviction) async {
        evictLocally(eviction)
        sent.add(1, ordering: .relaxed)
        do {
            let payload = "\(sender) \(eviction.payload)"
            _ = try await store.quick { db in try await db.execute("SELECT pg_notify(\(Self.channel), \(payload))") }
        } catch {
            logger.warning(
                "cache_notify_failed", metadata: ["eviction": .string(eviction.payload), "detail": .string(PostgresDiagnosis.reason(error))])
        }
    }

    /// The cache channel for this node's `PostgresListener`.
    public var channel: PostgresListener.Channel {
        PostgresListener.Channel(
            name: Self.channel, listening: { [self] in for cache in CacheEviction.Cache.allCases { evictLocally(.all(cache)) } },
            received: { [self] payload in hear(payload) })
    }

    private func hear(_ payload: String) {
        guard payload.utf8.count <= CacheEviction.maxPayloadBytes, let space = payload.firstIndex(of: " ") else { return ignore(payload) }
        if payload[..<space] == sender { return }
        guard let eviction = CacheEviction(payload: String(payload[payload.index(after: space)...])) else { return ignore(payload) }
        heard.add(1, ordering: .relaxed)
        evictLocally(eviction)
    }

    private func ignore(_ payload: String) {
        logger.warning("cache_notify_ignored", metadata: ["bytes": .stringConvertible(payload.utf8.count)])
    }
}
