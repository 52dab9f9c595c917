import ServiceLifecycle
import Synchronization
import Testing

@testable import App

/// Background loops start only once the database start-up is done (on PostgreSQL the node migrates while serving).
@Suite struct AfterStartupTests {
    /// Counts its runs and returns at once.
    final class Probe: Service {
        let runs = Atomic<Int>(0)
        func run() async throws { runs.add(1, ordering: .relaxed) }
    }

    @Test func theServiceRunsOnlyAfterTheStartUpIsMarkedPrepared() async throws {
        let state = StartupState(prepared: false)
        let probe = Probe()
        let task = Task { try await AfterStartup(state: state, service: probe).run() }
        // The wait polls every 50 ms; several polls pass without the service starting.
        for _ in 0..<5 { try await Task.sleep(for: AfterStartup.pollInterval) }
        #expect(probe.runs.load(ordering: .relaxed) == 0, "nothing runs before the start-up")
        state.markPrepared()
        try await task.value
        #expect(probe.runs.load(ordering: .relaxed) == 1)
    }

    @Test func aPreparedStartUpRunsTheServiceAtOnce() async throws {
        let probe = Probe()
        try await AfterStartup(state: StartupState(prepared: true), service: probe).run()
        #expect(probe.runs.load(ordering: .relaxed) == 1)
    }

    @Test func cancellationDuringTheWaitEndsItWithoutRunningTheService() async throws {
        let state = StartupState(prepared: false)
        let probe = Probe()
        let task = Task { try await AfterStartup(state: state, service: probe).run() }
        task.cancel()
        try await task.value
        state.markPrepared()
        #expect(probe.runs.load(ordering: .relaxed) == 0)
    }
}
