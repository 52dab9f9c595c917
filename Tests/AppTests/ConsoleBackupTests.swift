import Domain
import Foundation
import Logging
import Storage
import TestSupport
import Testing

@testable import App

/// The console's "Back up now": refused on an engine without an online backup, never two at once (scheduled or
/// manual), and a result the form can wait for; through the pages with a backup held while it runs.
@Suite struct ConsoleBackupTests {
    /// An online backup that holds each copy until the test releases it.
    final class HeldBackup: OnlineBackup {
        let started = LockedBox(0)
        private let release = LockedBox<[CheckedContinuation<Void, Never>]>([])

        func backup(to path: String, pagesPerStep: Int32, progress: (@Sendable (BackupProgress) -> Void)?) async throws -> BackupResult {
            started.mutate { $0 += 1 }
            await withCheckedContinuation { continuation in release.mutate { $0.append(continuation) } }
            FileManager.default.createFile(atPath: path, contents: Data("copy".utf8))
            return BackupResult(path: path, bytes: 4, migrations: [])
        }

        /// Lets every held copy finish.
        func finishAll() {
            var held: [CheckedContinuation<Void, Never>] = []
            release.mutate { swap(&held, &$0) }
            for continuation in held { continuation.resume() }
        }

        var holding: Int { release.value.count }
    }

    /// An online backup that writes its copy at once.
    struct InstantBackup: OnlineBackup {
        func backup(to path: String, pagesPerStep: Int32, progress: (@Sendable (BackupProgress) -> Void)?) async throws -> BackupResult {
            FileManager.default.createFile(atPath: path, contents: Data("copy".utf8))
            return BackupResult(path: path, bytes: 4, migrations: [])
        }
    }

    static func quietLogger() -> Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    static func manual(_ backup: (any OnlineBackup)?, dir: TestDirectory, gate: BackupGate = BackupGate()) -> ManualBackups {
        ManualBackups(backup: backup, catalog: BackupCatalog(directory: dir.path + "/b"), gate: gate, clock: SystemClock(), logger: quietLogger())
    }

    /// Waits until `condition` holds; the backup runs in a task of the service, so its start is not synchronous.
    static func eventually(_ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(30)
        while !condition() && Date() < deadline { try await Task.sleep(nanoseconds: 5_000_000) }
        #expect(condition())
    }

    @Test func anEngineWithoutAnOnlineBackupIsRefusedWithTheReason() async throws {
        let dir = TestDirectory()
        let manual = Self.manual(nil, dir: dir)
        #expect(manual.start(userID: "admin") == .unavailable)
        #expect(ConsoleNotice.backupUnavailable.text == "This database engine has no online backup: use pg_dump.")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/b"))
    }

    @Test func aSecondBackupIsRefusedWhileOneRunsAndAllowedAfterIt() async throws {
        let dir = TestDirectory()
        let held = HeldBackup()
        let manual = Self.manual(held, dir: dir)
        let service = Task { try await manual.run() }
        defer { service.cancel() }

        guard case .started(let path) = manual.start(userID: "a") else {
            Issue.record("not started")
            return
        }
        guard case .busy(let running) = manual.start(userID: "b") else {
            Issue.record("a second backup started")
            return
        }
        #expect(running.path == path && running.trigger == "manual")
        try await Self.eventually { held.holding == 1 }
        #expect(await manual.result(of: path, waitingUpTo: 0.01) == nil, "still running")
        held.finishAll()
        #expect(await manual.result(of: path, waitingUpTo: 30) == ManualBackups.Finished(path: path, bytes: 4))
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(held.started.value == 1)
        try await Self.eventually { manual.gate.running == nil }
        guard case .started = manual.start(userID: "a") else {
            Issue.record("not started after the first finished")
            return
        }
        try await Self.eventually { held.holding == 1 }
        held.finishAll()
    }

    @Test func aScheduledBackupDueWhileAManualOneRunsIsSkipped() async throws {
        let dir = TestDirectory()
        let gate = BackupGate()
        #expect(gate.enter(.init(path: dir.path + "/manual.sqlite", trigger: "manual", startedAt: SystemClock().now())) == nil)
        let scheduler = BackupScheduler(
            backup: InstantBackup(), catalog: BackupCatalog(directory: dir.path + "/b"), clock: SystemClock(),
            metrics: AppMetrics(registry: .init(), clock: SystemClock()), settings: .init(interval: 3600, keep: 2),
            logger: Self.quietLogger(), gate: gate)
        #expect(await scheduler.backupOnce() == false)
        #expect(BackupCatalog(directory: dir.path + "/b").scheduledBackups().isEmpty)
        gate.leave(path: dir.path + "/manual.sqlite")
        #expect(await scheduler.backupOnce() == true)
        #expect(BackupCatalog(directory: dir.path + "/b").scheduledBackups().count == 1)
    }

    @Test func backUpNowIsRefusedWhileABackupRunsAndTheConsoleSaysSo() async throws {
        let held = HeldBackup()
        let logs = LogCapture()
        let folder = TestDirectory().path + "/backups"
        try await TestApp.withRouter(["BACKUP_DIR": folder], runWorker: false, logs: logs, onlineBackup: .replace(held)) { client, dir in
            let setup = try await OperatorConsoleTests.setup(client, dir)
            let form = "csrf=\(setup.browser.csrf)"
            async let first = client.form(.post, "/app/admin/backups", form, headers: [.cookie: setup.browser.cookie])
            // The first backup is running (held inside the copy) before the second is asked for.
            try await Self.eventually { held.holding == 1 }

            let second = try await client.form(.post, "/app/admin/backups", form, headers: [.cookie: setup.browser.cookie])
            #expect(second.status == .seeOther)
            #expect(second.header("Location") == "/app/admin?notice=backup-busy")
            let page = try await client.page("/app/admin?notice=backup-busy", cookie: setup.browser.cookie)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<p class="form-error" role="status" data-console-notice>Another backup is running; not started.</p>"#))
            #expect(page.text.firstMatch(of: #/Manual backup personaworlds-[0-9TZ.]+\.sqlite running for /#) != nil)
            #expect(held.started.value == 1, "the refused request started no copy")

            held.finishAll()
            let location = try #require(try await first.header("Location"))
            let name = try #require(location.firstMatch(of: /notice=backup-(?:written|running)&file=(personaworlds-[0-9TZ.]+\.sqlite)$/)?.1)
            try await Self.eventually { FileManager.default.fileExists(atPath: folder + "/" + name) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [String(name)])
            #expect(held.started.value == 1)
            #expect(logs.entries("backup_requested").map { $0.metadata["outcome"] } == ["started", "busy"])
        }
    }

    @Test func onAnEngineWithoutAnOnlineBackupTheConsoleSaysSoAndBackUpNowChangesNothing() async throws {
        let folder = TestDirectory().path + "/backups"
        try await TestApp.withRouter(["BACKUP_DIR": folder], runWorker: false, onlineBackup: .absent) { client, dir in
            let setup = try await OperatorConsoleTests.setup(client, dir)
            let page = try await client.page("/app/admin", cookie: setup.browser.cookie)
            #expect(page.text.contains(#"<p class="notice">This database engine has no online backup: use pg_dump.</p>"#))
            #expect(!page.text.contains(#"action="/app/admin/backups""#), "no Back up now button")

            let response = try await client.form(.post, "/app/admin/backups", "csrf=\(setup.browser.csrf)", headers: [.cookie: setup.browser.cookie])
            #expect(response.status == .seeOther)
            #expect(response.header("Location") == "/app/admin?notice=backup-unavailable")
            let after = try await client.page("/app/admin?notice=backup-unavailable", cookie: setup.browser.cookie)
            #expect(after.text.contains(#"data-console-notice>This database engine has no online backup: use pg_dump.</p>"#))
            #expect(!FileManager.default.fileExists(atPath: folder))
        }
    }

    @Test func noticesTravelAsCodesAndOnlyWellFormedOnesAreShown() {
        let notices: [ConsoleNotice] = [
            .requeued(job: 42), .retryRefused(job: 42), .notFailed(job: 7), .backupWritten(file: "personaworlds-20250101T120000.123Z.sqlite"),
            .backupRunning(file: "personaworlds-20250101T120000.123Z.sqlite"), .backupFailed(file: "personaworlds-20250101T120000.123Z.sqlite"),
            .backupBusy, .backupUnavailable,
        ]
        for notice in notices {
            var fields: [String: String] = [:]
            for pair in notice.query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                fields[parts[0]] = parts[1]
            }
            #expect(ConsoleNotice(notice: fields["notice"], job: fields["job"], file: fields["file"]) == notice, "\(notice.query)")
        }
        #expect(ConsoleNotice.requeued(job: 42).text == "Job 42 re-queued.")
        #expect(ConsoleNotice.retryRefused(job: 42).text == "Another job for this post and persona is active; not re-queued.")
        #expect(ConsoleNotice(notice: "requeued", job: "-1", file: nil) == nil)
        #expect(ConsoleNotice(notice: "requeued", job: "99999999999999999999999", file: nil) == nil)
        #expect(ConsoleNotice(notice: "backup-written", job: nil, file: "../../etc/passwd") == nil)
        #expect(ConsoleNotice(notice: "backup-written", job: nil, file: "Your account is locked.sqlite") == nil)
        #expect(ConsoleNotice(notice: "<script>", job: "1", file: nil) == nil)
        #expect(ConsoleNotice(notice: nil, job: nil, file: nil) == nil)
    }
}
