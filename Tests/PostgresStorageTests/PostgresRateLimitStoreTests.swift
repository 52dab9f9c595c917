import Domain
import Foundation
import Logging
import PostgresStorage
import Storage
import Synchronization
import TestSupport
import Testing

/// Shared rate limits on PostgreSQL: the SQL bucket answers exactly as the in-memory one, stays exact under concurrent
/// nodes, and purges only rows that carry no information.
@Suite struct PostgresRateLimitStoreTests {
    static let start = Timestamp(microseconds: 1_800_000_000_000_000)

    static func shared(_ store: PostgresStore) -> PostgresRateLimitStore {
        PostgresRateLimitStore(store: store, logger: Logger(label: "test.ratelimit"), now: { start })
    }

    @Test func takesAndPeeksMatchTheInMemoryBucketDecisionForDecision() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            let pg = Self.shared(store)
            let memory = InMemoryRateLimitStore()
            let key = RateLimitKey(.publicWrite, "203.0.113.7")
            let rule = RateLimitRule(perMinute: 3)
            // Bursts, partial refills, a clock step backwards, a halved rule (shedding) and a full refill.
            let steps: [(seconds: Double, rule: RateLimitRule)] = [
                (0, rule), (0, rule), (0, rule), (0, rule), (7, rule), (19.5, rule), (20, rule), (15, rule),
                (16, RateLimitRule(perMinute: 1)), (40, RateLimitRule(perMinute: 1)), (200, rule), (200.000001, rule),
            ]
            for step in steps {
                let now = Self.start.adding(seconds: step.seconds)
                #expect(await pg.peek(key, rule: step.rule, now: now) == memory.peek(key, rule: step.rule, now: now), "peek at \(step.seconds)")
                #expect(await pg.take(key, rule: step.rule, now: now) == memory.take(key, rule: step.rule, now: now), "take at \(step.seconds)")
            }
            let hourly = RateLimitRule(perHour: 2)
            let signup = RateLimitKey(.signup, "198.51.100.1")
            for seconds in [0.0, 1, 2, 1800, 1801, 5400] {
                let now = Self.start.adding(seconds: seconds)
                #expect(await pg.take(signup, rule: hourly, now: now) == memory.take(signup, rule: hourly, now: now), "hourly at \(seconds)")
            }
        }
    }

    @Test func concurrentTakesFromTwoNodesNeverGrantMoreThanTheBucket() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, name in
            let other = PostgresStore(settings: cluster.settings(database: name), logger: Logger(label: "test.node2"))
            other.start()
            let nodes = [Self.shared(store), Self.shared(other)]
            let key = RateLimitKey(.signup, "192.0.2.9")
            let rule = RateLimitRule(perHour: 10)
            let granted = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<60 { group.addTask { await nodes[i % 2].take(key, rule: rule, now: Self.start).allowed } }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            try await other.close()
            #expect(granted == 10)
        }
    }

    @Test func strikesAndBackoffMatchTheInMemoryCounterAndClearForgets() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            let pg = Self.shared(store)
            let memory = InMemoryRateLimitStore()
            let key = RateLimitKey(.loginAccount, "someone@example.com")
            let policy = BackoffPolicy(allowancePerHour: 3, baseDelaySeconds: 2, maxDelaySeconds: 60)
            for seconds in [0.0, 1, 2, 3, 4, 5, 30, 600, 4000] {
                let now = Self.start.adding(seconds: seconds)
                #expect(await pg.backoff(key, policy: policy, now: now) == memory.backoff(key, policy: policy, now: now), "backoff at \(seconds)")
                #expect(await pg.strike(key, policy: policy, now: now) == memory.strike(key, policy: policy, now: now), "strike at \(seconds)")
            }
            await pg.clear(key)
            #expect(await pg.backoff(key, policy: policy, now: Self.start) == .clear(policy))
        }
    }

    @Test func purgeDropsOnlyBucketsThatAreFullAgain() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, name in
            let pg = Self.shared(store)
            let rule = RateLimitRule(perMinute: 60) // one token a second
            _ = await pg.take(RateLimitKey(.publicRead, "a"), rule: rule, now: Self.start)
            for _ in 0..<30 { _ = await pg.take(RateLimitKey(.publicRead, "b"), rule: rule, now: Self.start) }
            // "a" is full again after 1 s, "b" only after 30 s.
            #expect(try await pg.purge(now: Self.start.adding(seconds: 10)) == 1)
            let left = try await cluster.query(name, "SELECT key FROM rate_limit_buckets").map { try $0.decode(String.self) }
            #expect(left == ["public_read:b"])
        }
    }

    @Test func aBurstOfEnqueuesSendsAtMostOneNotifyPerWindowAndWakesAListenerOnAnotherConnectionForEveryJob() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, name in
            let other = PostgresStore(settings: cluster.settings(database: name), logger: Logger(label: "test.node2"))
            other.start()
            let localWakes = Atomic<Int>(0)
            let remoteWakes = Atomic<Int>(0)
            let sender = PostgresWakeUps(
                store: store, debounce: .seconds(1), logger: Logger(label: "test.sender"), wake: { localWakes.add($0, ordering: .relaxed) })
            let receiver = PostgresWakeUps(store: other, logger: Logger(label: "test.listener"), wake: { remoteWakes.add($0, ordering: .relaxed) })
            let listener = PostgresListener(store: other, channels: [receiver.channel], logger: Logger(label: "test.listener"))
            let listening = Task { try await listener.run() }
            // The listener wakes one loop once it listens (the poll after a (re)connect).
            #expect(try await Self.eventually { remoteWakes.load(ordering: .relaxed) >= 1 })
            for _ in 0..<100 { sender.jobsEnqueued(1) }
            #expect(localWakes.load(ordering: .relaxed) == 100, "this node's loops wake at once")
            // The first NOTIFY goes at once with whatever is pending by then; the rest of the burst folds into one more at
            // the end of the window. Every job is accounted for in the payloads.
            #expect(try await Self.eventually { remoteWakes.load(ordering: .relaxed) == 101 }, "\(remoteWakes.load(ordering: .relaxed))")
            #expect((1...2).contains(sender.notificationsSent), "at most one NOTIFY per window: \(sender.notificationsSent)")
            listening.cancel()
            _ = try? await listening.value
            try await other.close()
        }
    }

    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return condition()
    }
}
