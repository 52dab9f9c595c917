/// Errors the domain raises; the HTTP layer maps each case to a status in exactly one place.
public enum DomainError: Error, Equatable, Sendable {
    /// 400: the input is wrong; the message is shown to the client.
    case invalid(String)
    /// 401: missing or bad credentials.
    case unauthorized(String)
    /// 403: the caller may not do this.
    case forbidden(String)
    /// 404: the resource does not exist or is not the caller's.
    case notFound(String)
    /// 409: the request conflicts with current state.
    case conflict(String)
    /// 429: a daily quota is used up.
    case quotaExceeded(String)
    /// 502: an upstream provider failed.
    case upstream(String)
    /// 500 with a safe, contract-defined message; details are logged, never returned.
    case internalFailure(String, detail: String = "")

    /// The client-facing message of this error.
    public var message: String {
        switch self {
        case .invalid(let m), .unauthorized(let m), .forbidden(let m), .notFound(let m), .conflict(let m),
             .quotaExceeded(let m), .upstream(let m), .internalFailure(let m, _):
            return m
        }
    }
}

extension Error {
    /// Wraps any non-domain error as a 500 with the given safe message, keeping the detail for logs.
    public func asInternal(_ message: String) -> DomainError {
        if let domain = self as? DomainError { return domain }
        return .internalFailure(message, detail: String(describing: self))
    }
}
