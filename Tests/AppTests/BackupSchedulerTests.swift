import Domain
import Foundation
import Logging
import Prometheus
import SQLiteStorage
import ServiceLifecycle
import Storage
import TestSupport
import Testing

@testable import App

/// Scheduled backups: the interval, retention by the scheduler's own file names, metrics, graceful shutdown.
/// SQLite-only: scheduled backups use the engine's online backup, which only SQLite's store offers.
@Suite struct BackupSchedulerTests {
    static func scheduler(
        _ dir: TestDirectory, interval: Double, keep: Int, backupDir: String? = nil,
        registry: PrometheusCollectorRegistry = .init()
    ) async throws -> (BackupScheduler, any AppStore & OnlineBackup, AppMetrics) {
        let opened = try await StoreBackend.sqlite.makeStore(in: dir)
        guard let db = opened as? any AppStore & OnlineBackup else { throw TestFailure("the SQLite store takes no online backup") }
        let metrics = AppMetrics(registry: registry, clock: SystemClock())
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let scheduler = BackupScheduler(
            backup: db, catalog: BackupCatalog(directory: backupDir ?? dir.path + "/backups"), clock: SystemClock(),
            metrics: metrics, settings: .init(interval: interval, keep: keep), logger: logger)
        return (scheduler, db, metrics)
    }

    /// Runs `service` in a service group until `ready` holds (the service has reached the state the test is
    /// about), then shuts it down gracefully; returns how long shutdown took. Waiting for a condition instead of a
    /// fixed time keeps a loaded machine from shutting the service down before it started.
    static func run(_ service: some Service, until ready: @escaping @Sendable () -> Bool) async throws -> Double {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        return try await withThrowingTaskGroup(of: Double.self) { tasks in
            tasks.addTask {
                try await group.run()
                return 0
            }
            let reached = try await eventually { ready() }
            let started = Date()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            guard reached else { throw TestFailure("the service never became ready") }
            return Date().timeIntervalSince(started)
        }
    }

    /// True once the scheduler's `run` has announced its metrics, i.e. it is past start-up and waiting an interval.
    static func started(_ metrics: AppMetrics) -> Bool {
        metrics.render(now: SystemClock().now()).contains("\nbackup_failures_total 0")
    }

    @Test func retentionKeepsExactlyTheNewestScheduledBackupsAndNothingElseIsDeleted() throws {
        let dir = TestDirectory(backend: .sqlite)
        let catalog = BackupCatalog(directory: dir.path)
        var time = Timestamp(seconds: 1_795_000_000)
        var made: [String] = []
        for _ in 0..<10 {
            let path = catalog.scheduledPath(at: time)
            _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
            made.append(URL(fileURLWithPath: path).lastPathComponent)
            time = time.adding(seconds: 3600)
        }
        let others = [
            "personaworlds-20250101T000000.000Z.sqlite", // a manual backup
            "personaworlds-scheduled-20250101T000000.000Z.sqlite.partial", "personaworlds-scheduled-latest.sqlite",
            "personaworlds-scheduled-20250101T000000.000Z.sqlite.bak", "notes.txt", "db.sqlite",
        ]
        for name in others { _ = FileManager.default.createFile(atPath: dir.path + "/" + name, contents: Data("keep".utf8)) }

        let removed = try catalog.prune(keep: 3)
        #expect(removed == Array(made.prefix(7)))
        #expect(catalog.scheduledBackups() == Array(made.suffix(3)))
        for name in others { #expect(FileManager.default.fileExists(atPath: dir.path + "/" + name), "\(name) must never be deleted") }
        #expect(try catalog.prune(keep: 3).isEmpty)
    }

    @Test func backupNamesRoundTripTheirTime() {
        let time = Timestamp(microseconds: 1_795_000_000_123_456)
        let catalog = BackupCatalog(directory: "/b")
        #expect(catalog.manualPath(at: time) == "/b/personaworlds-20261118T110640.123Z.sqlite")
        #expect(BackupCatalog.stamp(of: "personaworlds-scheduled-20261118T110640.123Z.sqlite") == Timestamp(microseconds: 1_795_000_000_123_000))
        #expect(BackupCatalog.stamp(of: "personaworlds-2026120XT082640.123Z.sqlite") == nil)
        #expect(!BackupCatalog.isScheduled("personaworlds-20261118T110640.123Z.sqlite"))
    }

    @Test func theSchedulerWaitsOneIntervalThenKeepsExactlyKeepFiles() async throws {
        let dir = TestDirectory(backend: .sqlite)
        let (scheduler, db, _) = try await Self.scheduler(dir, interval: 0.3, keep: 2)
        let catalog = scheduler.catalog
        let started = SystemClock().now()
        // Every name the scheduler ever wrote, seen while retention deletes the older ones.
        let seen = LockedBox<Set<String>>([])
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let group = ServiceGroup(configuration: .init(services: [scheduler], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let deadline = Date().addingTimeInterval(60)
            while seen.value.count < 5 && Date() < deadline {
                let now = catalog.scheduledBackups()
                seen.mutate { $0.formUnion(now) }
                #expect(now.count <= 2 + 1, "retention let \(now.count) files pile up") // one may exist before its prune
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        seen.mutate { $0.formUnion(catalog.scheduledBackups()) }
        let all = seen.value.sorted()
        #expect(all.count >= 5, "the scheduler made only \(all.count) backups")
        let first = try #require(all.first.flatMap(BackupCatalog.stamp(of:)))
        #expect(first.microseconds - started.microseconds >= 290_000, "the first backup must wait one interval")
        let files = catalog.scheduledBackups()
        #expect(files == Array(all.suffix(2)), "exactly the two newest must remain: \(files) of \(all)")
        for file in files { #expect(try DatabaseFile(path: catalog.directory + "/" + file).check(thorough: true).isIntact) }
        try await db.close()
    }

    @Test func gracefulShutdownDoesNotWaitForTheNextInterval() async throws {
        let dir = TestDirectory(backend: .sqlite)
        let (scheduler, db, metrics) = try await Self.scheduler(dir, interval: 3600, keep: 2)
        let shutdown = try await Self.run(scheduler) { Self.started(metrics) }
        // The interval is an hour: a minute tells "did not wait for it" apart on any machine, however loaded.
        #expect(shutdown < 60, "shutdown waited \(shutdown) s")
        #expect(scheduler.catalog.scheduledBackups().isEmpty)
        try await db.close()
    }

    @Test func metricsShowTheIntervalTheLastSuccessAndCountFailures() async throws {
        let dir = TestDirectory(backend: .sqlite)
        let registry = PrometheusCollectorRegistry()
        let (scheduler, db, metrics) = try await Self.scheduler(dir, interval: 60, keep: 3, registry: registry)
        metrics.announceBackups(interval: 60)
        let announced = metrics.render(now: SystemClock().now())
        #expect(announced.contains("backup_failures_total 0"))
        #expect(Self.sample("backup_interval_seconds", in: announced) == 60, "the alert compares the age with twice this")

        let before = Double(SystemClock().now().microseconds) / 1e6
        #expect(await scheduler.backupOnce())
        let after = Double(SystemClock().now().microseconds) / 1e6
        let text = metrics.render(now: SystemClock().now())
        let value = try #require(Self.sample("backup_last_success_timestamp_seconds", in: text))
        #expect(value >= before.rounded(.down) && value <= after, "the time of this backup, however long it took")
        #expect(text.contains("backup_failures_total 0"))

        // A backup folder that cannot be created (a file is in the way) fails the backup.
        let blocked = dir.path + "/not-a-folder"
        _ = FileManager.default.createFile(atPath: blocked, contents: Data("x".utf8))
        let failing = BackupScheduler(
            backup: db, catalog: BackupCatalog(directory: blocked + "/backups"), clock: SystemClock(),
            metrics: metrics, settings: .init(interval: 60, keep: 3), logger: scheduler.logger)
        #expect(await failing.backupOnce() == false)
        let afterFailure = metrics.render(now: SystemClock().now())
        #expect(afterFailure.contains("backup_failures_total 1"))
        #expect(Self.sample("backup_last_success_timestamp_seconds", in: afterFailure) == value, "a failure must not move the last-success time")
        try await db.close()
    }

    @Test func atStartTheGaugeReportsTheNewestBackupOnDisk() async throws {
        let dir = TestDirectory(backend: .sqlite)
        let registry = PrometheusCollectorRegistry()
        let (scheduler, db, metrics) = try await Self.scheduler(dir, interval: 3600, keep: 3, registry: registry)
        try scheduler.catalog.ensureDirectory()
        let old = Timestamp(seconds: 1_700_000_000)
        _ = FileManager.default.createFile(atPath: scheduler.catalog.scheduledPath(at: old), contents: Data())
        let gauge: @Sendable () -> Double? = { Self.sample("backup_last_success_timestamp_seconds", in: metrics.render(now: SystemClock().now())) }
        _ = try await Self.run(scheduler) { gauge() != nil }
        #expect(gauge() == 1_700_000_000)
        try await db.close()
    }

    /// The value of an unlabelled sample in exposition text.
    static func sample(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
