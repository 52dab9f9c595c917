import Foundation
import TestSupport
import Testing

/// The server must never wedge under ordinary load: 50 signed-in keep-alive clients looping over reads and event
/// writes with no think time, for 25 s, with and without two CPU-burning processes beside the server. Every client
/// keeps getting answers throughout, and `/healthz` answers at once afterwards. (A synchronous database read on
/// a cooperative thread once deadlocked the executor against the database's reader queues within seconds of this
/// load; the server then answered nothing, `/healthz` included, until it was killed.)
@Suite(.serialized) struct SaturationTests {
    static let clients = 50
    static let seconds = 25.0
    static let steps = [
        KeepAliveLoad.Step(method: "GET", path: "/personas", body: nil),
        KeepAliveLoad.Step(method: "GET", path: "/feed", body: nil),
        KeepAliveLoad.Step(method: "GET", path: "/notifications?limit=20", body: nil),
        KeepAliveLoad.Step(method: "POST", path: "/events", body: #"{"event_name":"daily_return","metadata":{"source":"load"}}"#),
    ]

    @Test func fiftyKeepAliveClientsKeepGettingAnswersAndHealthzStaysFast() async throws {
        try await saturate(burners: 0)
    }

    @Test func fiftyKeepAliveClientsKeepGettingAnswersBesideTwoCPUBurners() async throws {
        try await saturate(burners: 2)
    }

    private func saturate(burners: Int) async throws {
        SlowClients.raiseFileLimit()
        let dir = TestDirectory()
        let server = try await ServerProcess(
            directory: dir,
            environment: ["RATE_LIMIT_EVENTS_PER_MIN": "0", "RATE_LIMIT_SIGNUP_PER_HOUR": "0", "FEED_CACHE_TTL": "1s"])
        try await server.stopping { try await load(server, burners: burners) }
    }

    /// Signs the clients up, then runs the keep-alive load (beside `burners` CPU burners) and checks the answers.
    private func load(_ server: ServerProcess, burners: Int) async throws {
        // One at a time: signups hash a password each, and the setup is not what this test measures.
        var tokens: [String] = []
        for i in 0..<Self.clients {
            let response = try await server.request("POST", "/auth/signup", json: #"{"email":"load-\#(i)@example.com","password":"password123"}"#)
            guard response.status == 201, let data = response.body.data(using: .utf8),
                let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                let token = object["token"] as? String
            else { throw TestFailure("signup failed: \(response.status) \(response.body)") }
            tokens.append(token)
        }
        // One persona per client, so `GET /personas` reads rows.
        for token in tokens.prefix(10) {
            let created = try await server.request("POST", "/personas", json: TestJSON.persona(), token: token)
            #expect(created.status == 201, "\(created.body)")
        }

        let burning = (0..<burners).map { _ in CPUBurner() }
        defer { for burner in burning { burner.stop() } }
        let start = KeepAliveLoad.now()
        let results = await KeepAliveLoad.run(port: server.port, tokens: tokens, steps: Self.steps, seconds: Self.seconds)
        let end = KeepAliveLoad.now()

        for (index, result) in results.enumerated() {
            #expect(result.failure == nil, "client \(index) stopped: \(result.failure ?? "")")
            #expect(result.statuses.isEmpty, "client \(index) saw error statuses \(result.statuses)")
            // A healthy server answers each of these in milliseconds even on a loaded machine; a wedged one never
            // does. 10 s is far above any scheduling hiccup and far below the run.
            let silence = result.longestSilence(start: start, end: min(end, start + Self.seconds))
            #expect(silence < 10, "client \(index) went \(silence) s without an answer (\(result.answers.count) answers)")
        }
        let total = results.reduce(0) { $0 + $1.answers.count }
        print("saturation (burners: \(burners)): \(total) answers in \(Int(end - start)) s, \(Int(Double(total) / (end - start))) req/s")

        // A wedged server answers nothing (or 503 from its executor heartbeat): the status decides that. The time
        // bound only has to tell "answers" from "hangs", so it leaves a busy machine several seconds.
        let healthStart = Date()
        let health = try await server.request("GET", "/healthz")
        let healthSeconds = Date().timeIntervalSince(healthStart)
        #expect(health.status == 200)
        #expect(healthSeconds < 5, "/healthz took \(healthSeconds) s after the load")
    }
}

/// A child process that spins on one core until stopped, and stops on its own after `seconds` if the test process
/// dies first. Stopped with SIGKILL: children of Foundation's `Process` start with SIGTERM blocked.
final class CPUBurner: @unchecked Sendable {
    private let process: ChildProcess?

    init(seconds: Int = 120) {
        process = try? ChildProcess(
            "/usr/bin/env", ["python3", "-c", "import time\nend = time.monotonic() + \(seconds)\nwhile time.monotonic() < end: pass"])
    }

    /// SIGKILL without waiting (called from a `defer`, which cannot await): the kernel ends the process at once and
    /// its `ProcessExit` thread reaps it; waiting here would hold a thread of the cooperative pool.
    func stop() {
        if let process, process.isRunning { kill(process.pid, SIGKILL) }
    }
}
