/// An outbound HTTP request.
public struct OutboundRequest: Sendable {
    public var url: String
    public var method: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Whole-transfer timeout in seconds.
    public var timeout: Double

    public init(url: String, method: String = "POST", headers: [(String, String)] = [], body: [UInt8] = [], timeout: Double) {
        self.url = url; self.method = method; self.headers = headers; self.body = body; self.timeout = timeout
    }
}

/// An HTTP response; header names are lower-cased.
public struct InboundResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8]) { self.status = status; self.headers = headers; self.body = body }
}

/// Transport failures that never produced a response.
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    case timedOut
    case cancelled
    case connection(String)

    public var description: String {
        switch self {
        case .timedOut: return "request timed out"
        case .cancelled: return "request cancelled"
        case .connection(let m): return "connection error: \(m)"
        }
    }
}

/// The HTTP boundary: libcurl in production, a scripted stub in unit tests.
public protocol HTTPTransport: Sendable {
    func send(_ request: OutboundRequest) async throws -> InboundResponse
}
