import Logging
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

@testable import App

/// A service group names each service by interpolating it; ours carry their type's name, not a reflection of their
/// stored properties.
@Suite struct NamedServiceTests {
    /// Counts its runs.
    final class Counter: Service {
        let runs = Atomic<Int>(0)
        func run() async throws { runs.add(1, ordering: .relaxed) }
    }

    @Test func aServiceIsNamedForItsTypeAndAWaitingOneForWhatItRuns() {
        #expect(NamedService(Counter()).description == "Counter")
        let waiting = AfterStartup(state: StartupState(prepared: true), service: Counter())
        #expect(NamedService(waiting).description == "Counter")
        #expect("\(NamedService(waiting))" == "Counter", "what a service group's interpolation gives")
    }

    @Test func theNamedServiceRunsTheServiceItNames() async throws {
        let counter = Counter()
        try await NamedService(AfterStartup(state: StartupState(prepared: true), service: counter)).run()
        #expect(counter.runs.load(ordering: .relaxed) == 1)
    }

    @Test func everyServiceOfTheApplicationCarriesItsTypeName() async throws {
        let dir = TestDirectory()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let parts = try await AppParts.make(AppDependencies(config: try TestApp.config(dir), logger: logger, runWorker: true))
        let names = parts.services.map { "\($0)" }
        #expect(parts.services.allSatisfy { $0 is NamedService })
        #expect(names.contains("WorkerPool") && names.contains("DigestScheduler") && names.contains("StoreCloser"), "\(names)")
        #expect(names.allSatisfy { !$0.isEmpty && !$0.contains("(") && $0.count < 40 }, "\(names)")
        for case let service as NamedService in parts.services { #expect(!(service.service is NamedService)) }
    }
}
