import App
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// Builds the real application (same composition root as `serve`) on a temporary SQLite file.
public struct TestApp {
    public static let secret = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789-ABCD"

    /// Configuration for tests: temp database, fixed secret, quiet logs.
    public static func config(_ dir: TestDirectory, _ values: [String: String] = [:]) throws -> AppConfig {
        var all = ["DATABASE_PATH": dir.databasePath, "JWT_SECRET": secret, "LOG_LEVEL": "warning"]
        for (k, v) in values { all[k] = v }
        return try AppConfig(values: all)
    }

    /// Runs `body` against the in-process router.
    public static func withRouter<T: Sendable>(
        _ values: [String: String] = [:], clock: any AppClock = SystemClock(), runWorker: Bool = true,
        _ body: @Sendable (any TestClientProtocol, TestDirectory) async throws -> T
    ) async throws -> T {
        let dir = TestDirectory()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let deps = AppDependencies(config: try config(dir, values), logger: logger, clock: clock, runWorker: runWorker)
        let app = try await buildApplication(deps)
        return try await app.test(.router) { client in try await body(client, dir) }
    }
}

/// Convenience calls for API tests.
extension TestClientProtocol {
    /// Sends a JSON string body.
    public func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
                     headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: fields, body: json.map { ByteBuffer(string: $0) })
    }

    /// Signs up a fresh user and returns (token, userID).
    public func signup(_ email: String = "user-\(UUID().uuidString.prefix(8).lowercased())@example.com",
                       password: String = "password123") async throws -> (token: String, userID: String) {
        let response = try await send(.post, "/auth/signup", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        guard response.status == .created, let object = response.jsonObject,
              let token = object["token"] as? String, let user = object["user_id"] as? String else {
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
