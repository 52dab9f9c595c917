import Domain
import HTTPTypes

/// The one mapping from domain errors to the contract's statuses and client messages.
extension DomainError {
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .invalid, .unknownPersona, .unstorableText, .remixTokenUsed: return .badRequest
        case .unauthorized, .referenceGone: return .unauthorized
        case .forbidden: return .forbidden
        case .notFound, .templateUnavailable: return .notFound
        case .conflict, .emailTaken, .slugTaken, .personaLimitReached: return .conflict
        case .quotaReached, .streamLimitReached: return .tooManyRequests
        case .upstream: return .badGateway
        case .internalFailure, .slugExhausted, .noDefaultTemplate: return .internalServerError
        }
    }
}
