/// Errors the domain and the store raise. The HTTP layer maps each case to a status and the
/// contract's client message in exactly one place, so no store or rule code words a response.
public enum DomainError: Error, Equatable, Sendable {
    /// 400: a domain rule rejected the input; the associated text is that rule's client message.
    case invalid(String)
    /// 401: missing or bad credentials.
    case unauthorized(String)
    /// 403: the caller may not do this.
    case forbidden(String)
    /// 404: the resource does not exist or is not the caller's.
    case notFound(String)
    /// 409: the request conflicts with current state.
    case conflict(String)
    /// 429: a persona's daily quota of this kind is used up.
    case quotaReached(QuotaKind)
    /// 502: an upstream provider failed.
    case upstream(String)
    /// 500 with a safe, contract-defined message; details are logged, never returned.
    case internalFailure(String, detail: String = "")

    // Conditions the store detects; the HTTP mapping chooses their words and statuses.

    /// The email already belongs to an account.
    case emailTaken
    /// Another persona holds the slug.
    case slugTaken
    /// No free slug was found among the allowed candidates.
    case slugExhausted
    /// A persona id given by the caller is not one of the caller's personas.
    case unknownPersona(String)
    /// A text field holds a character that cannot be stored faithfully (a NUL).
    case unstorableText(field: String)
    /// The template does not exist, or is private and not the caller's.
    case templateUnavailable
    /// No public template exists to default to.
    case noDefaultTemplate
    /// A remix token was already redeemed by an earlier battle.
    case remixTokenUsed
    /// The user already has the most personas allowed (`MAX_PERSONAS_PER_USER`).
    case personaLimitReached
    /// A write referenced a row that was deleted meanwhile (a foreign key failed): typically the caller's own account.
    case referenceGone
    /// A user has `EVENT_STREAMS_PER_USER` event streams open already.
    case streamLimitReached
}

/// The one message table: the text of `{"error": …}` for each case (the contract's words), also used in logs and in a
/// failed job's `error` column. The HTTP status of each case is chosen in the HTTP layer's mapping.
extension DomainError: CustomStringConvertible {
    public var message: String {
        switch self {
        case .invalid(let m), .unauthorized(let m), .forbidden(let m), .notFound(let m), .conflict(let m),
            .upstream(let m), .internalFailure(let m, _):
            return m
        case .quotaReached(let kind): return "daily \(kind.rawValue) quota reached"
        case .emailTaken: return "email already registered"
        case .slugTaken: return "slug already in use"
        case .slugExhausted: return "could not create unique slug"
        case .unknownPersona(let id): return "persona \(id) not found"
        case .unstorableText(let field): return "\(field) must not contain NUL characters"
        case .templateUnavailable: return "template not found"
        case .noDefaultTemplate: return "could not load default template"
        case .remixTokenUsed: return "invalid remix_token"
        case .personaLimitReached: return "persona limit reached"
        case .referenceGone: return "invalid token"
        case .streamLimitReached: return "too many open event streams"
        }
    }

    public var description: String { message }
}

extension Error {
    /// Wraps any non-domain error as a 500 with the given safe message, keeping the detail for logs.
    public func asInternal(_ message: String) -> DomainError {
        if let domain = self as? DomainError { return domain }
        return .internalFailure(message, detail: String(describing: self))
    }
}
