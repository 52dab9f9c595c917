import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A fake OpenAI-compatible chat-completions server on loopback: a test double for the network peer.
/// Each request consumes the next scripted behaviour (the last one repeats) and is counted.
public actor FakeOpenAIServer {
    /// How the server answers one request.
    public enum Behavior: Sendable {
        case completion(String)
        case status(Int, body: String, headers: [String: String] = [:])
        case raw(String)
        case hang(seconds: Double)
    }

    private var script: [Behavior]
    public private(set) var requestBodies: [String] = []
    public private(set) var requestHeaders: [[String: String]] = []
    /// Hung requests that ran their full length and answered; 0 after a client gave up proves it gave up while the
    /// server was still hanging, with no bound on how fast the machine is.
    public private(set) var hangsAnswered = 0
    private var hangs: [Task<Void, Error>] = []

    public init(_ script: [Behavior]) { self.script = script }

    public var requestCount: Int { requestBodies.count }

    public func setScript(_ script: [Behavior]) { self.script = script }

    func next(body: String, headers: [String: String]) -> Behavior {
        requestBodies.append(body)
        requestHeaders.append(headers)
        return script.count > 1 ? script.removeFirst() : (script.first ?? .completion("ok"))
    }

    /// Sleeps `seconds` unless `run` ends first (so a long hang does not hold up the server's shutdown); true when
    /// the full hang elapsed.
    func hang(seconds: Double) async -> Bool {
        let sleeper = Task { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
        hangs.append(sleeper)
        guard (try? await sleeper.value) != nil else { return false }
        hangsAnswered += 1
        return true
    }

    func releaseHangs() {
        for sleeper in hangs { sleeper.cancel() }
        hangs.removeAll()
    }

    /// A chat-completions JSON body whose first choice says `text`.
    public static func completionJSON(_ text: String) -> String {
        let escaped = String(data: try! JSONEncoder().encode(text), encoding: .utf8)!
        return
            #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":\#(escaped)},"finish_reason":"stop"}]}"#
    }

    /// Runs the fake server on a free loopback port for the duration of `body`, passing its base URL.
    public static func run<T: Sendable>(_ server: FakeOpenAIServer, _ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            var collected = try await request.body.collect(upTo: 1 << 20)
            let text = collected.readString(length: collected.readableBytes) ?? ""
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            switch await server.next(body: text, headers: headers) {
            case .completion(let reply):
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: completionJSON(reply))))
            case .status(let code, let payload, let extra):
                var fields: HTTPFields = [.contentType: "application/json"]
                for (k, v) in extra { fields[HTTPField.Name(k)!] = v }
                return Response(status: .init(code: code), headers: fields, body: .init(byteBuffer: ByteBuffer(string: payload)))
            case .raw(let payload):
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: payload)))
            case .hang(let seconds):
                guard await server.hang(seconds: seconds) else { throw CancellationError() }
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: completionJSON("too late"))))
            }
        }
        var logger = Logger(label: "fake-openai")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        return try await app.test(.live) { client in
            do {
                let result = try await body("http://127.0.0.1:\(client.port!)")
                await server.releaseHangs()
                return result
            } catch {
                await server.releaseHangs()
                throw error
            }
        }
    }
}
