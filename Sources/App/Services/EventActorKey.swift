import Crypto
import Domain
import Foundation
import Storage

/// Turns a client address into the opaque actor key of an anonymous event (DECISIONS 28: a flood from one client
/// counts once): a keyed digest, so the address itself is never stored and the key cannot be reversed without the
/// secret. The key is derived from `JWT_SECRET` with HKDF, separately from the token keys.
struct EventActorKey: Sendable {
    private let key: SymmetricKey

    init(secret: String) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), info: Data("personaworlds event actor".utf8), outputByteCount: 32)
    }

    /// The actor of an event: the user when signed in, else the address digest.
    func actor(userID: String?, clientIP: String) -> String {
        if let userID { return EventActor.user(userID) }
        let digest = HMAC<SHA256>.authenticationCode(for: Data(clientIP.utf8), using: key)
        return EventActor.anonymous(addressDigest: digest.prefix(12).map { String(format: "%02x", $0) }.joined())
    }
}
