import Domain
import HTTPTypes

/// The one mapping from domain errors to the contract's statuses and client messages.
extension DomainError {
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .invalid, .unknownPersona, .unstorableText, .remixTokenUsed: return .badRequest
        case .unauthorized: return .unauthorized
        case .forbidden: return .forbidden
        case .notFound, .templateUnavailable: return .notFound
        case .conflict, .emailTaken, .slugTaken: return .conflict
        case .quotaReached: return .tooManyRequests
        case .upstream: return .badGateway
        case .internalFailure, .slugExhausted, .noDefaultTemplate: return .internalServerError
        }
    }

    /// The text of `{"error": …}`.
    var clientMessage: String {
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
        }
    }
}
