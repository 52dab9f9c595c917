import App
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus

/// Builds the real application (same composition root as `serve`) on a fresh database of the chosen engine.
public struct TestApp {
    public static let secret = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789-ABCD"

    /// For tests that send a burst of concurrent requests to check what they write (one job, one account, a quota or
    /// limit kept), not how fast: the wait for a database connection and the request's deadline are a minute instead of
    /// 5 s and 15 s. On PostgreSQL the burst shares the test pool of 4 connections, after password hashes that queue on
    /// the test process's shared thread pool; on a starved machine (a loaded CI runner, CPU burners) the queues alone
    /// can outlast the defaults, and a 500 then says nothing about the writes.
    /// bcrypt at its lowest cost. Hashing runs on the process's shared thread pool (two threads here); at the
    /// production cost of 10 the signups of a whole parallel suite kept both threads busy for a minute at a time, and
    /// live-mode requests queued behind them past their client's 15 s read timeout. What a hash is checked against
    /// does not depend on the cost (`PasswordHasherTests`).
    public static let testHasher = PasswordHasher(cost: 4)

    public static let burstTimeouts = ["DB_QUERY_TIMEOUT": "60s", "API_REQUEST_TIMEOUT": "60s"]

    /// Configuration for tests: the directory's database, fixed secret, quiet logs.
    public static func config(_ dir: TestDirectory, _ values: [String: String] = [:]) throws -> AppConfig {
        var all = dir.backend.environment(dir)
        all["JWT_SECRET"] = secret
        all["LOG_LEVEL"] = "warning"
        for (k, v) in values { all[k] = v }
        return try AppConfig(values: all)
    }

    /// Runs `body` against the in-process router; with `live`, against the application serving on a loopback port
    /// (for what needs a real connection, such as the socket peer `/metrics` checks). `body` gets the test's directory;
    /// `TestDatabase.open(dir)` reaches the rows of the app under test. `dir` defaults to a fresh directory; pass one to
    /// start the app again on the same database. `logs` receives what the app logs at `info` and above (audit lines);
    /// without it the app logs nothing below `critical`. `onlineBackup` replaces the engine's online backup. `registry`
    /// receives the app's metrics, for tests that read them in process (in router mode `/metrics` has no socket peer to
    /// admit).
    public static func withRouter<T: Sendable>(
        _ values: [String: String] = [:], backend: StoreBackend = .default, clock: any AppClock = SystemClock(),
        runWorker: Bool = true, live: Bool = false, llm: (any LLMClient)? = nil, in given: TestDirectory? = nil, logs: LogCapture? = nil,
        onlineBackup: OnlineBackupOverride? = nil, registry: PrometheusCollectorRegistry = .init(),
        _ body: @Sendable (any TestClientProtocol, TestDirectory) async throws -> T
    ) async throws -> T {
        let dir = given ?? TestDirectory(backend: backend)
        try await dir.backend.prepare(dir)
        var logger = logs?.logger() ?? Logger(label: "test")
        if logs == nil { logger.logLevel = .critical }
        var values = values
        if live { values.merge(["PORT": "0", "BIND_ADDRESS": "127.0.0.1"]) { mine, _ in mine } }
        var deps = AppDependencies(
            config: try config(dir, values), logger: logger, registry: registry, clock: clock, runWorker: runWorker, llm: llm)
        deps.onlineBackup = onlineBackup
        deps.passwordHasher = testHasher
        let app = try await buildApplication(deps)
        return try await app.test(live ? .live : .router) { client in
            // On PostgreSQL the start-up (schema, seed, ADMIN_EMAILS) finishes while the app already serves; wait for
            // it as a load balancer would, so a test never races it.
            if dir.backend == .postgres { try await client.waitUntilReady() }
            return try await body(client, dir)
        }
    }
}

extension TestApp {
    /// Grants the stored admin role to the account with `email` in the test app's database, as
    /// `personaworlds admin grant` does on a machine.
    public static func grantAdmin(_ email: String, in dir: TestDirectory) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        _ = try await AppCommands.setAdmin(AppDependencies(config: try config(dir), logger: logger), email: email, isAdmin: true)
    }
}

/// Convenience calls for API tests.
extension TestClientProtocol {
    /// Polls `/readyz` until it answers 200; fails after 60 s (a bound on a hang only, never reached by a healthy app).
    public func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try await execute(uri: "/readyz", method: .get).status == .ok { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestAppError.notReady
    }

    /// Sends a JSON string body.
    public func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: fields, body: json.map { ByteBuffer(string: $0) })
    }

    /// Signs up a fresh user and returns (token, userID).
    public func signup(
        _ email: String = "user-\(UUID().uuidString.prefix(8).lowercased())@example.com",
        password: String = "password123"
    ) async throws -> (token: String, userID: String) {
        let response = try await send(.post, "/auth/signup", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        guard response.status == .created, let object = response.jsonObject,
            let token = object["token"] as? String, let user = object["user_id"] as? String
        else {
            throw TestFailure("signup failed: \(response.status) \(response.text)")
        }
        return (token, user)
    }

    /// Creates a valid persona and returns its id.
    public func createPersona(token: String, name: String = "QA Persona") async throws -> String {
        let response = try await send(.post, "/personas", token: token, json: TestJSON.persona(name: name))
        guard response.status == .created, let id = response.jsonObject?["id"] as? String else {
            throw TestFailure("create persona failed: \(response.status) \(response.text)")
        }
        return id
    }
}

/// Canned request bodies.
public enum TestJSON {
    public static func persona(name: String = "QA Persona", extra: String = "") -> String {
        #"{"name":"\#(name)","bio":" A bio ","tone":"calm","writing_samples":["one","two","three"],"do_not_say":["x"],"catchphrases":["Ship it"],"preferred_language":"en","formality":2\#(extra)}"#
    }
}

/// A failure inside a test helper.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension TestResponse {
    /// The body as UTF-8 text.
    public var text: String { String(buffer: body) }

    /// The body parsed as a JSON object.
    public var jsonObject: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    /// The `error` field of an error body.
    public var errorMessage: String? { jsonObject?["error"] as? String }
}

/// Battle and public-surface helpers.
extension TestClientProtocol {
    /// The id of the first seeded room.
    public func firstRoom(token: String) async throws -> (id: String, name: String) {
        let rooms = try await send(.get, "/rooms", token: token)
        guard let first = (rooms.jsonObject?["rooms"] as? [[String: Any]])?.first, let id = first["id"] as? String,
            let name = first["name"] as? String
        else { throw TestFailure("no rooms: \(rooms.text)") }
        return (id, name)
    }

    /// Creates a battle and returns its JSON.
    public func createBattle(token: String, room: String, json: String = #"{"topic":"Go vs Rust for services"}"#) async throws -> [String: Any] {
        let response = try await send(.post, "/rooms/\(room)/battles", token: token, json: json)
        guard response.status == .created, let object = response.jsonObject else {
            throw TestFailure("create battle failed: \(response.status) \(response.text)")
        }
        return object
    }

    /// Publishes a persona's profile under `slug` and returns the slug given back.
    public func publishProfile(token: String, persona: String, slug: String) async throws -> String {
        let response = try await send(.post, "/personas/\(persona)/publish-profile", token: token, json: #"{"slug":"\#(slug)"}"#)
        guard response.status == .ok, let given = response.jsonObject?["slug"] as? String else {
            throw TestFailure("publish failed: \(response.status) \(response.text)")
        }
        return given
    }

    /// Polls the thread of `post` until it has `count` replies (the worker writes replies in the background). The
    /// timeout only bounds a hang; a passing test returns as soon as the replies are there.
    public func waitForReplies(token: String, post: String, count: Int, timeout: Double = 60) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var replies: [[String: Any]] = []
        while Date() < deadline {
            replies = try await send(.get, "/posts/\(post)/thread", token: token).jsonObject?["replies"] as? [[String: Any]] ?? []
            if replies.count >= count { return replies }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return replies
    }
}

extension TestResponse {
    /// A response header by name.
    public func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
}

/// Why a test app could not be used.
public enum TestAppError: Error {
    /// `/readyz` never answered 200.
    case notReady
}
