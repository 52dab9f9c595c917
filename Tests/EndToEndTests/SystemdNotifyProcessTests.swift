import Foundation
import TestSupport
import Testing

/// The real binary under a stand-in for systemd's notification socket: what a `Type=notify` unit with
/// `WatchdogSec=` sees (scripts/test-deb-systemd.sh checks the same under a real systemd).
@Suite struct SystemdNotifyProcessTests {
    @Test func serveSendsReadyOnceListeningPingsTheWatchdogAndSaysStoppingOnSIGTERM() async throws {
        let dir = TestDirectory()
        let listener = try NotifyListener(directory: dir)
        defer { listener.stop() }
        // A 1 s watchdog: pings every 0.5 s.
        let server = try await ServerProcess(
            directory: dir, environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": ""])
        let ready = try await listener.waitFor("READY=1")
        #expect(ready == "READY=1\nSTATUS=api listening on 127.0.0.1:\(server.port)")
        _ = try await listener.waitFor("WATCHDOG=1")
        #expect(await server.stop() == 0)
        _ = try await listener.waitFor("STOPPING=1")
        #expect(listener.datagrams.last == "STOPPING=1\nSTATUS=stopping")
    }

    @Test func workerOnlyIsReadyOnceTheWorkerRuns() async throws {
        let dir = TestDirectory()
        let listener = try NotifyListener(directory: dir)
        defer { listener.stop() }
        let environment = ProcessInfo.processInfo.environment.merging([
            "DATABASE_PATH": dir.databasePath, "JWT_SECRET": "e2e-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
            "LOG_LEVEL": "warning", "WORKER_OBSERVABILITY_PORT": "0", "NOTIFY_SOCKET": listener.address,
        ]) { $1 }
        let worker = try ChildProcess(ServerProcess.binaryPath, ["serve", "--worker-only"], environment: environment)
        #expect(try await listener.waitFor("READY=1") == "READY=1\nSTATUS=worker running")
        #expect(await worker.stop() == 0)
        _ = try await listener.waitFor("STOPPING=1")
        #expect(listener.datagrams == ["READY=1\nSTATUS=worker running", "STOPPING=1\nSTATUS=stopping"], "no watchdog without WATCHDOG_USEC")
    }
}
