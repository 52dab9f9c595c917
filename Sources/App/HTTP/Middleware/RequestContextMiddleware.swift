import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Adopts or generates the request id (echoed as `X-Request-Id`), resolves the client IP (forwarding
/// headers count only from a trusted proxy) and sets the `API_REQUEST_TIMEOUT` deadline.
struct RequestContextMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let requestTimeout: Double
    let ids: RequestIDGenerator
    let trustedProxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[.xRequestID].map { $0.trimmingWhitespace() } ?? ""
        context.requestID = incoming.isEmpty || incoming.utf8.count > 200 ? ids.next() : incoming
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        // Always resolved, so an IPv4 client on a dual-stack listener (`::ffff:a.b.c.d`) gets one canonical key.
        context.clientIP = ClientIP.resolve(
            peer: context.peerAddress,
            headers: { name in
                guard let field = HTTPField.Name(name) else { return nil }
                let values = request.headers[values: field]
                return values.isEmpty ? nil : values.joined(separator: ",")
            }, trusted: trustedProxies)
        if requestTimeout > 0 {
            // Like the original, the timeout is a deadline that slow work (DB, LLM) honours, not a cut-off response.
            context.deadlineNanos = Monotonic.nanos(after: requestTimeout)
        }
        var response = try await RequestDeadline.$nanos.withValue(context.deadlineNanos) {
            try await next(request, context)
        }
        response.headers[.xRequestID] = context.requestID
        return response
    }
}

/// Generates `<hostname>/<10 random alphanumerics>-<6-digit counter>` ids.
final class RequestIDGenerator: Sendable {
    private let prefix: String
    private let counter = Atomic<Int>(0)

    init() {
        let host = ProcessInfo.processInfo.hostName
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let random = String((0..<10).map { _ in alphabet.randomElement()! })
        self.prefix = "\(host)/\(random)-"
    }

    func next() -> String {
        let n = counter.wrappingAdd(1, ordering: .relaxed).newValue % 1_000_000
        let digits = String(n)
        return prefix + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-Id")!
}
