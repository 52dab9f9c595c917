import Crypto
import Domain
import Foundation
import JWTKit

/// Signs and verifies remix intents: short-lived HS256 tokens under a key derived from `JWT_SECRET`
/// with HKDF for this purpose alone, so a login token can never pass as a remix token or the reverse.
struct RemixTokenService: Sendable {
    private let keys: JWTKeyCollection
    private let clock: any AppClock

    init(secret: String, clock: any AppClock) async {
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)),
            info: Data("personaworlds remix-intent v1".utf8), outputByteCount: 32)
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: derived), digestAlgorithm: .sha256)
        self.clock = clock
    }

    /// A signed token for `intent` and its expiry.
    func issue(_ intent: RemixIntent) async throws -> (token: String, expires: Timestamp) {
        let now = clock.now().unixSeconds
        let expires = now + RemixIntent.lifetimeSeconds
        let claims = RemixClaims(
            battleID: intent.battleID, roomID: intent.roomID, topic: intent.topic, proStyle: intent.proStyle,
            conStyle: intent.conStyle, templateID: intent.templateID, iat: now, exp: expires,
            typ: RemixClaims.type, jti: Identifiers.newUUID())
        return (try await keys.sign(claims), Timestamp(seconds: expires))
    }

    /// The intent and token id of a valid, unexpired remix token; `invalid remix_token` otherwise.
    func verify(_ token: String) async throws -> (intent: RemixIntent, tokenID: String) {
        let invalid = DomainError.invalid("invalid remix_token")
        guard TokenService.headerAlgorithm(of: token) == "HS256" else { throw invalid }
        let claims: RemixClaims
        do { claims = try await keys.verify(token, as: RemixClaims.self) } catch { throw invalid }
        guard claims.typ == RemixClaims.type, let exp = claims.exp,
            TokenRules.expiry(
                exp: Double(exp), issuedAt: claims.iat.map(Double.init), notBefore: nil, now: clock.now(),
                lifetimeSeconds: RemixIntent.lifetimeSeconds) != nil,
            !claims.roomID.trimmingWhitespace().isEmpty, let jti = claims.jti, !jti.isEmpty
        else { throw invalid }
        let intent = RemixIntent(
            battleID: claims.battleID.trimmingWhitespace(), roomID: claims.roomID.trimmingWhitespace(),
            topic: claims.topic, proStyle: claims.proStyle, conStyle: claims.conStyle, templateID: claims.templateID)
        return (intent, jti)
    }
}

/// Claims of a remix token (the contract's names, plus a `jti` that makes the token single use).
struct RemixClaims: JWTPayload {
    static let type = "remix_intent"
    var battleID: String
    var roomID: String
    var topic: String
    var proStyle: String
    var conStyle: String
    var templateID: String
    var iat: Int64?
    var exp: Int64?
    var typ: String
    var jti: String?

    enum CodingKeys: String, CodingKey {
        case battleID = "battle_id", roomID = "room_id", topic, proStyle = "pro_style", conStyle = "con_style"
        case templateID = "template_id", iat, exp, typ, jti
    }

    init(
        battleID: String, roomID: String, topic: String, proStyle: String, conStyle: String, templateID: String,
        iat: Int64?, exp: Int64?, typ: String, jti: String?
    ) {
        self.battleID = battleID
        self.roomID = roomID
        self.topic = topic
        self.proStyle = proStyle
        self.conStyle = conStyle
        self.templateID = templateID
        self.iat = iat
        self.exp = exp
        self.typ = typ
        self.jti = jti
    }

    /// Missing text claims decode as empty (a foreign token then fails the checks, never the decoder).
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        battleID = try c.decodeIfPresent(String.self, forKey: .battleID) ?? ""
        roomID = try c.decodeIfPresent(String.self, forKey: .roomID) ?? ""
        topic = try c.decodeIfPresent(String.self, forKey: .topic) ?? ""
        proStyle = try c.decodeIfPresent(String.self, forKey: .proStyle) ?? ""
        conStyle = try c.decodeIfPresent(String.self, forKey: .conStyle) ?? ""
        templateID = try c.decodeIfPresent(String.self, forKey: .templateID) ?? ""
        iat = try c.decodeIfPresent(Int64.self, forKey: .iat)
        exp = try c.decodeIfPresent(Int64.self, forKey: .exp)
        typ = try c.decodeIfPresent(String.self, forKey: .typ) ?? ""
        jti = try c.decodeIfPresent(String.self, forKey: .jti)
    }

    /// Expiry is checked by `RemixTokenService` against the injectable clock.
    func verify(using algorithm: some JWTAlgorithm) throws {}
}
