import Domain
import HTTPTypes
import Hummingbird
import Web

/// The signed-in pages' plain HTML form posts (they work without JavaScript; the script only sends the same
/// forms to the JSON API instead). Each post is checked like a cookie-authenticated API write: a session,
/// a same-site request and this session's CSRF token in the `csrf` field; its body has the API route's cap
/// and its rate-limit class is the API route's. Handlers call the same services as the JSON routes and
/// answer `303 See Other` (Post/Redirect/Get), or the form again with the API's message.
struct PageForms: Sendable {
    let csrf: CSRFGuard
    let limits: BodyLimits
    let limiter: RateLimiter

    /// The posted fields, after the session, same-site and CSRF checks (a missing session returns to the
    /// login page; a forged post is `403 invalid csrf token`).
    func read(_ request: Request, context: AppRequestContext, limit: Int? = nil) async throws -> FormFields {
        _ = try context.requireUser()
        guard let session = context.sessionToken, csrf.sameSite(request) else { throw DomainError.forbidden("invalid csrf token") }
        let fields = try FormFields(try await request.collectBody(limit: limit ?? limits.global))
        guard csrf.verify(fields[CSRFGuard.formField], session: session) else { throw DomainError.forbidden("invalid csrf token") }
        return fields
    }

    /// Takes a token of the API route's rate-limit class, or throws its `429` (shown in the form).
    func limit(_ limitClass: RateLimitClass, context: AppRequestContext) async throws {
        let decision = await limiter.take(limitClass, userID: context.userID, clientIP: context.clientIP)
        guard decision.allowed else { throw RateLimitRejection(limitClass: limitClass, headers: decision.httpFields) }
    }

    /// What a form shows when its post failed: the status the API would answer, its message as a sentence
    /// and any headers (`Retry-After`). Nil for what is not about the form's input (a lost session returns to
    /// the login page, a refused CSRF check or a server fault is an error page, through `PageErrors`).
    static func failure(_ error: any Error) -> (status: HTTPResponse.Status, message: String, headers: HTTPFields)? {
        switch error {
        case let domain as DomainError:
            let status = domain.httpStatus
            if status == .unauthorized || status == .forbidden || status == .internalServerError { return nil }
            return (status, PageErrors.sentence(humanized(domain.message)), [:])
        case let wrapped as ErrorWithHeaders:
            guard let inner = failure(wrapped.error) else { return nil }
            return (inner.status, inner.message, wrapped.headers)
        case let limited as RateLimitRejection:
            return (.tooManyRequests, PageErrors.sentence(limited), limited.headers)
        default:
            return nil
        }
    }

    /// The API's field names in its messages as words (`writing_samples must …` → `writing samples must …`),
    /// as the script shows the same messages.
    static func humanized(_ message: String) -> String {
        var out = ""
        var previous: Character?
        var iterator = message.makeIterator()
        var pending = iterator.next()
        while let character = pending {
            let next = iterator.next()
            let between = (previous?.isLetter ?? false) && (next?.isLetter ?? false)
            out.append(character == "_" && between ? " " : character)
            previous = character
            pending = next
        }
        return out
    }
}

/// A form's failed post, carried into the page that shows the form again.
struct FormError: Sendable {
    let status: HTTPResponse.Status
    let message: String
    let headers: HTTPFields

    /// The failure of `error` if a form can show it, else rethrows `error` (to the login or error page).
    static func from(_ error: any Error) throws -> FormError {
        guard let failure = PageForms.failure(error) else { throw error }
        return FormError(status: failure.status, message: failure.message, headers: failure.headers)
    }
}

extension Response {
    /// The response with a failed form's status and headers applied.
    func failed(_ error: FormError?) -> Response {
        guard let error else { return self }
        var response = self
        response.status = error.status
        for field in error.headers { response.headers[field.name] = field.value }
        return response
    }
}
