import Domain
import Foundation
import JWTKit

/// Issues and verifies login JWTs: HS256 only, `exp` required, every time claim range-checked (`TokenRules`).
public struct TokenService: Sendable {
    /// Login tokens live 24 hours.
    static let lifetime: Int64 = 24 * 3600

    private let keys: JWTKeyCollection
    private let clock: any AppClock

    public init(secret: String, clock: any AppClock) async {
        self.keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.clock = clock
    }

    /// A signed token, its session id and its expiry.
    public struct Issued: Sendable {
        public let token: String
        public let sessionID: String
        public let expires: Timestamp
    }

    /// A signed token for `userID` naming a new random session id (`sid`), which the caller records.
    public func issue(userID: String) async throws -> Issued {
        let now = clock.now().unixSeconds
        let sessionID = Identifiers.newUUID()
        let claims = AuthClaims(
            userID: userID, sid: sessionID, sub: SubjectClaim(value: userID),
            iat: IssuedAtClaim(value: Date(timeIntervalSince1970: TimeInterval(now))),
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: TimeInterval(now + Self.lifetime))),
            nbf: nil)
        return Issued(token: try await keys.sign(claims), sessionID: sessionID, expires: Timestamp(microseconds: (now + Self.lifetime) * 1_000_000))
    }

    /// A verified token's user, session and expiry.
    struct Verified: Sendable {
        let userID: String
        /// Nil for a token issued before sessions existed (refused by `AuthService`).
        let sessionID: String?
        let expires: Timestamp
    }

    /// The user id, session and expiry of a valid token; `invalid token` or `missing user` otherwise. Never traps,
    /// whatever the token holds: the claims' numbers are range-checked before they are converted.
    func verify(_ token: String) async throws -> Verified {
        guard Self.headerAlgorithm(of: token) == "HS256" else { throw DomainError.unauthorized("invalid token") }
        let claims: AuthClaims
        do {
            claims = try await keys.verify(token, as: AuthClaims.self)
        } catch {
            throw DomainError.unauthorized("invalid token")
        }
        guard
            let expires = TokenRules.expiry(
                exp: claims.exp.value.timeIntervalSince1970, issuedAt: claims.iat?.value.timeIntervalSince1970,
                notBefore: claims.nbf?.value.timeIntervalSince1970, now: clock.now(), lifetimeSeconds: Self.lifetime)
        else { throw DomainError.unauthorized("invalid token") }
        guard let user = claims.userID, !user.isEmpty else { throw DomainError.unauthorized("missing user") }
        return Verified(userID: user, sessionID: claims.sid, expires: expires)
    }

    /// The `alg` of a compact JWS header, without trusting anything else in it.
    static func headerAlgorithm(of token: String) -> String? {
        guard let headerPart = token.split(separator: ".", omittingEmptySubsequences: false).first else { return nil }
        var b64 = headerPart.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        // The project's one JSON parser (bounded depth); a header naming `alg` twice is refused outright, so this
        // check and the JWT library can never read different algorithms from one header.
        guard let data = Data(base64Encoded: b64), let parsed = try? JSONParser.parseFirst(Array(data)), !parsed.trailing,
            case .object(let fields)? = parsed.value
        else { return nil }
        let algorithms = fields.filter { $0.0 == "alg" }
        guard algorithms.count == 1, case .string(let algorithm) = algorithms[0].1 else { return nil }
        return algorithm
    }
}

/// Claims of a login token.
struct AuthClaims: JWTPayload {
    var userID: String?
    /// The session this token belongs to (revocable server-side).
    var sid: String?
    var sub: SubjectClaim?
    var iat: IssuedAtClaim?
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", sid, sub, iat, exp, nbf
    }

    /// Expiry is checked by `TokenService` against the injectable clock.
    func verify(using algorithm: some JWTAlgorithm) throws {}
}
