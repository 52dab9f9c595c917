import Foundation
import TestSupport
import Testing

/// `API_READ_TIMEOUT`, `API_WRITE_TIMEOUT` and `API_IDLE_TIMEOUT` on the real binary: 500 slow or idle connections
/// (slowloris) are closed by the server on time, other clients are served meanwhile, and memory does not grow.
@Suite(.serialized) struct ServerTimeoutTests {
    static let counts: [SlowClients.Kind: Int] = [.idle: 150, .slowHead: 150, .keptAlive: 100, .slowBody: 100]

    @Test func fiveHundredSlowAndIdleConnectionsAreClosedOnTimeWhileOthersAreServed() async throws {
        SlowClients.raiseFileLimit()
        let dir = TestDirectory()
        let server = try await ServerProcess(
            directory: dir,
            environment: [
                "API_READ_TIMEOUT": "5s", "API_IDLE_TIMEOUT": "5s", "API_WRITE_TIMEOUT": "8s", "RATE_LIMIT_EVENTS_PER_MIN": "0",
                // The 500 slow clients share one address; the per-address cap has its own tests.
                "MAX_CONNECTIONS_PER_IP": "1000",
            ])
        // Warm up, so the first wave's allocations are not mistaken for growth.
        for _ in 0..<20 { _ = try await server.request("GET", "/healthz") }
        let baseline = try #require(server.residentKiB())

        var afterWave: [Int] = []
        for wave in 1...2 {
            let (outcomes, latencies) = try await withThrowingTaskGroup(of: [Double].self) { group -> ([SlowClients.Outcome], [Double]) in
                group.addTask {
                    // Another client, while the slow ones hold their sockets: it must be answered at once.
                    try await Task.sleep(nanoseconds: 500_000_000)
                    var seconds: [Double] = []
                    for _ in 0..<6 {
                        let started = Date()
                        let response = try await server.request("GET", "/healthz")
                        #expect(response.status == 200)
                        seconds.append(Date().timeIntervalSince(started))
                        try await Task.sleep(nanoseconds: 200_000_000)
                    }
                    return seconds
                }
                let outcomes = try await SlowClients.run(port: server.port, counts: Self.counts, limit: 15)
                let latencies = try await group.reduce(into: [Double]()) { $0 += $1 }
                return (outcomes, latencies)
            }
            #expect(outcomes.count == 500)
            #expect(latencies.count == 6)
            // Answered while the slow clients still hold their sockets: a server that queued /healthz behind them would
            // answer only once the 5 s timeouts free them. How fast it answers is the benchmarks' business, not this
            // test's (the whole suite runs in parallel on two cores).
            #expect(latencies.max() ?? 99 < 3.5, "wave \(wave): /healthz waited for the slow clients' timeouts: \(latencies)")
            for kind in SlowClients.Kind.allCases {
                let times = outcomes.filter { $0.kind == kind }.map(\.closedAfter)
                let open = times.filter { $0 == nil }.count
                #expect(open == 0, "wave \(wave): \(open) \(kind) connections were never closed by the server")
                let closed = times.compactMap { $0 }
                // Closed by the timeout (5 s, counted from the server's accept), not at once and not much later.
                #expect(
                    closed.allSatisfy { $0 >= 4.5 && $0 <= 12 },
                    "wave \(wave): \(kind) closed after \(closed.min() ?? -1)…\(closed.max() ?? -1) s; expected about 5 s")
            }
            try await Task.sleep(nanoseconds: 500_000_000)
            afterWave.append(try #require(server.residentKiB()))
        }
        #expect(try await server.request("GET", "/healthz").status == 200)
        #expect(await server.stop() == 0)
        // Generous slack: allocator caches may keep some of the first wave; the second wave must not add as much again.
        #expect(afterWave[0] - baseline < 64 * 1024, "RSS grew from \(baseline) KiB to \(afterWave[0]) KiB after 500 connections")
        #expect(afterWave[1] - afterWave[0] < 16 * 1024, "RSS keeps growing: \(baseline) → \(afterWave[0]) → \(afterWave[1]) KiB")
    }
}
