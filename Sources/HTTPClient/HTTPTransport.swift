/// An outbound HTTP request.
public struct OutboundRequest: Sendable {
    public var url: String
    public var method: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Whole-transfer timeout in seconds (connecting may use at most 10 s of it).
    public var timeout: Double

    public init(url: String, method: String = "POST", headers: [(String, String)] = [], body: [UInt8] = [], timeout: Double) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// An HTTP response; header names are lower-cased and a repeated header keeps its last value.
public struct InboundResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
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

/// The outbound HTTP boundary: `CurlTransport` (libcurl), in the app and in the tests against a fake server on loopback.
public protocol HTTPTransport: Sendable {
    func send(_ request: OutboundRequest) async throws -> InboundResponse
}
