import Domain
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

@testable import App

/// `/healthz` proves the concurrency executor runs tasks: a heartbeat task stamps a monotonic time, and a
/// stamp older than `ExecutorHeartbeat.staleAfter` makes `/healthz` a 503. Time is a counter the test moves.
@Suite struct ExecutorHeartbeatTests {
    /// Monotonic nanoseconds, moved by hand.
    final class FakeMonotonic: Sendable {
        private let nanos = Atomic<UInt64>(1_000_000_000)
        func now() -> UInt64 { nanos.load(ordering: .sequentiallyConsistent) }
        func advance(_ duration: Duration) {
            let (s, a) = duration.components
            nanos.add(UInt64(s) * 1_000_000_000 + UInt64(a / 1_000_000_000), ordering: .sequentiallyConsistent)
        }
    }

    @Test func freshBeforeTheFirstBeatThenStaleOnlyAfterFiveSecondsWithoutOne() {
        let time = FakeMonotonic()
        let heartbeat = ExecutorHeartbeat(now: time.now)
        time.advance(.seconds(60))
        #expect(heartbeat.stall() == nil, "no beat yet (start-up, or no services running): nothing to judge")
        heartbeat.beat()
        time.advance(.seconds(5))
        #expect(heartbeat.stall() == nil, "exactly staleAfter is still fresh")
        time.advance(.milliseconds(1))
        #expect(heartbeat.stall() == .milliseconds(5001))
        heartbeat.beat()
        #expect(heartbeat.stall() == nil)
    }

    @Test func theStampComesFromTheRunningTaskAndStopsWithIt() async throws {
        let time = FakeMonotonic()
        let ticker = ManualTicker()
        let heartbeat = ExecutorHeartbeat(now: time.now, sleep: ticker.sleep)
        var sleeps = ticker.sleeps.makeAsyncIterator()
        let group = ServiceGroup(configuration: .init(services: [heartbeat], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await sleeps.next() // beat, then the first wait
            time.advance(.seconds(6))
            #expect(heartbeat.stall() == .seconds(6), "the task did not run for 6 s")
            ticker.fire()
            await sleeps.next() // it ran: beat, and waits again
            #expect(heartbeat.stall() == nil)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func healthzAnswers503WithAJSONErrorWhileTheHeartbeatIsStale() async throws {
        let dir = TestDirectory()
        let config = try TestApp.config(dir)
        let engine = try await StoreEngine.openMigrated(config: config, clock: SystemClock())
        let time = FakeMonotonic()
        let heartbeat = ExecutorHeartbeat(now: time.now)
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        OpsController(
            health: HealthService(store: engine.store, maxAttempts: 3, startup: StartupState(prepared: true)),
            metrics: AppMetrics(registry: PrometheusCollectorRegistry(), clock: SystemClock()), clock: SystemClock(), heartbeat: heartbeat,
            config: config
        ).addRoutes(to: RouteRegistrar(group: router.group(), table: RouteTable()))
        try await Application(router: router).test(.router) { client in
            heartbeat.beat()
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            time.advance(.seconds(7))
            let stale = try await client.execute(uri: "/healthz", method: .get)
            #expect(stale.status == .serviceUnavailable)
            #expect(stale.headers[.contentType] == "application/json")
            #expect(String(buffer: stale.body) == "{\"ok\":false,\"error\":\"executor stalled: no heartbeat for 7000 ms\"}\n")
            heartbeat.beat()
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        try await engine.store.close()
    }
}
