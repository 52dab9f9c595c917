import Foundation
import HummingbirdTesting
import TestSupport
import Testing

/// `/metrics` shows the PostgreSQL connection pool (`db_pool_*`): its size, leased connections, waiting calls, lease
/// waits and timeouts. SQLite has no pool: the families are announced without samples. How each figure moves under a
/// held connection is `PostgresPoolFiguresTests`'s.
@Suite struct PoolMetricsTests {
    /// The value of the sample line `name value` (a family without labels).
    static func sample(_ text: String, _ name: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.dropFirst(name.count + 1)) }
    }

    @Test(arguments: StoreBackend.available)
    func metricsShowThePoolOnPostgresAndAnnounceItOnSQLite(backend: StoreBackend) async throws {
        // Live: /metrics answers loopback peers only.
        try await TestApp.withRouter(backend: backend, runWorker: false, live: true) { client, _ in
            let first = try await client.send(.get, "/metrics").text
            for family in ["db_pool_connections_max", "db_pool_connections_in_use", "db_pool_lease_waiting", "db_pool_lease_timeouts_total"] {
                #expect(first.contains("# TYPE \(family) "), "\(family)")
            }
            #expect(first.contains("# TYPE db_pool_lease_wait_seconds histogram"))
            guard backend == .postgres else {
                #expect(Self.sample(first, "db_pool_connections_max") == nil, "no pool, no sample")
                #expect(Self.sample(first, "db_pool_lease_wait_seconds_count") == nil && Self.sample(first, "db_pool_lease_timeouts_total") == nil)
                return
            }
            #expect(Self.sample(first, "db_pool_connections_max") == 4, "DATABASE_POOL_SIZE of the test configuration")
            let inUse = try #require(Self.sample(first, "db_pool_connections_in_use"))
            #expect((0...4).contains(inUse))
            #expect(Self.sample(first, "db_pool_lease_waiting").map { $0 >= 0 } == true)
            #expect(Self.sample(first, "db_pool_lease_timeouts_total") == 0, "created at 0")
            let leasesBefore = try #require(Self.sample(first, "db_pool_lease_wait_seconds_count"))
            let (token, _) = try await client.signup()
            for _ in 0..<3 { #expect(try await client.send(.get, "/personas", token: token).status == .ok) }
            let second = try await client.send(.get, "/metrics").text
            let leasesAfter = try #require(Self.sample(second, "db_pool_lease_wait_seconds_count"))
            #expect(leasesAfter >= leasesBefore + 4, "a signup and three reads each leased at least one connection")
        }
    }
}
