import Foundation
import Logging
import PostgresStorage
import Storage
import TestSupport
import Testing

/// Cache evictions between two nodes on one database: what one node evicts reaches the other's LISTEN connection (and
/// not its own again), and a (re)connect clears every cache, since evictions sent while nobody listened are lost.
@Suite struct PostgresCacheInvalidatorTests {
    @Test func anEvictionOnOneNodeReachesTheOtherNodeAndAConnectClearsEveryCache() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, name in
            let other = PostgresStore(settings: cluster.settings(database: name), logger: Logger(label: "test.node2"))
            other.start()
            let local = LockedBox<[CacheEviction]>([])
            let remote = LockedBox<[CacheEviction]>([])
            let sender = PostgresCacheInvalidator(store: store, logger: Logger(label: "test.a")) { e in local.mutate { $0.append(e) } }
            let receiver = PostgresCacheInvalidator(store: other, logger: Logger(label: "test.b")) { e in remote.mutate { $0.append(e) } }
            let listener = PostgresListener(store: other, channels: [receiver.channel], logger: Logger(label: "test.listener"))
            let ownListener = PostgresListener(store: store, channels: [sender.channel], logger: Logger(label: "test.own"))
            let listening = Task { try await listener.run() }
            let ownListening = Task { try await ownListener.run() }
            let everything = CacheEviction.Cache.allCases.map(CacheEviction.all)
            #expect(try await eventually { remote.value == everything }, "listening clears every cache once: \(remote.value)")
            #expect(try await eventually { local.value == everything }, "\(local.value)")

            let revoked = CacheEviction(cache: .sessions, key: "0a11ce00-0000-4000-8000-000000000001")
            await sender.evict(revoked)
            #expect(local.value == everything + [revoked], "this node evicts before evict returns")
            #expect(try await eventually { remote.value == everything + [revoked] }, "\(remote.value)")
            // Not an eviction (another program on the channel): dropped.
            _ = try await cluster.query(name, "SELECT pg_notify('\(PostgresCacheInvalidator.channel)', 'nonsense')")
            await sender.evict(.all(.publicPages))
            #expect(try await eventually { remote.value.count == everything.count + 2 })
            #expect(remote.value.last == .all(.publicPages) && receiver.evictionsHeard == 2)
            // A third node's eviction reaches both. Notifications arrive in commit order, so once the sender has heard
            // this one it has seen its own two as well, and skipped them.
            _ = try await cluster.query(name, "SELECT pg_notify('\(PostgresCacheInvalidator.channel)', 'c0ffee00 sessions:*')")
            #expect(try await eventually { sender.evictionsHeard == 1 && receiver.evictionsHeard == 3 })
            #expect(local.value == everything + [revoked, .all(.publicPages), .all(.sessions)], "its own evictions only once: \(local.value)")
            ownListening.cancel()
            _ = try? await ownListening.value
            listening.cancel()
            _ = try? await listening.value
            try await other.close()
        }
    }
}
