import Domain
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Per-request data only: the request id, the client address, the deadline and the authenticated user.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Adopted from `X-Request-Id` or generated; echoed back and logged.
    public var requestID: String = ""
    /// The socket peer address (host only), or "unknown".
    public var peerAddress: String
    /// The client address rate limits key on: the peer, or what a trusted proxy forwarded.
    public var clientIP: String
    /// Monotonic nanoseconds by which the request should finish (0 = none).
    public var deadlineNanos: UInt64 = 0
    /// Set by the auth middleware on protected routes.
    public var userID: String? {
        didSet { outcome.userID = userID }
    }
    /// The browser session token of a page request (set by the page session middleware), from which the
    /// page's CSRF token is derived.
    var sessionToken: String?
    /// Shared with the outer middleware (access log), which only sees its own copy of the context.
    let outcome = RequestOutcome()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        self.clientIP = peerAddress
    }

    /// The authenticated user; protected routes only run after the auth middleware set it.
    func requireUser() throws -> String {
        guard let userID else { throw DomainError.unauthorized("missing user") }
        return userID
    }
}

/// Per-request facts that inner middleware learn and outer middleware report.
final class RequestOutcome: Sendable {
    private let user = Mutex<String?>(nil)
    private let matched = Mutex<String?>(nil)

    var userID: String? {
        get { user.withLock { $0 } }
        set { user.withLock { $0 = newValue } }
    }

    /// The route pattern the request matched (set by the route guard), for the metrics label.
    var route: String? {
        get { matched.withLock { $0 } }
        set { matched.withLock { $0 = newValue } }
    }
}

extension AppRequestContext {
    /// A path parameter, URL-decoded as the contract requires.
    func pathParameter(_ name: String) -> String {
        let raw = parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }
}
