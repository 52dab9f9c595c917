import Foundation
import TestSupport
import Testing

/// `kill -9` during a signup load loses nothing that was acknowledged.
@Suite(.serialized) struct CrashTests {
    @Test func killDuringSignupLoadKeepsEveryAcknowledgedAccount() async throws {
        let dir = TestDirectory()
        // One address signs up as fast as it can, so the per-IP signup limit is off for this test.
        let server = try await ServerProcess(directory: dir, environment: ["RATE_LIMIT_SIGNUP_PER_HOUR": "0"])
        let acknowledged = LockedBox<[String]>([])
        let stop = LockedBox(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var n = 0
                    while !stop.value {
                        n += 1
                        let email = "crash-\(worker)-\(n)@example.com"
                        guard let r = try? await server.request("POST", "/auth/signup", json: #"{"email":"\#(email)","password":"password123"}"#)
                        else {
                            return
                        }
                        if r.status == 201 { acknowledged.mutate { $0.append(email) } }
                    }
                }
            }
            group.addTask {
                // Kill mid-load once enough signups were acknowledged, however long a loaded machine takes (each
                // hashes a password); a fixed time could kill before any.
                _ = try await eventually { acknowledged.value.count >= 20 }
                await server.kill9()
                stop.mutate { $0 = true }
            }
            try await group.waitForAll()
        }
        let emails = acknowledged.value
        #expect(emails.count >= 20, "the load produced too few signups to be meaningful: \(emails.count)")

        // SQLite-only check (the suite runs on SQLite): the file survived the kill intact.
        let check = try await TestDatabase.open(dir)
        let integrity = try await check.string("PRAGMA integrity_check")
        #expect(integrity == "ok")
        try await check.close()

        let restarted = try await ServerProcess(directory: dir, port: server.port)
        for email in emails {
            let login = try await restarted.request("POST", "/auth/login", json: #"{"email":"\#(email)","password":"password123"}"#)
            #expect(login.status == 200, "\(email) was acknowledged but cannot log in")
        }
        #expect(await restarted.stop() == 0)
    }
}
