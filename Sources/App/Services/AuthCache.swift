import Domain
import Synchronization

/// Short-lived memory of verified tokens and live sessions, so the hot path of every authenticated request skips
/// the HMAC check, the claims decoding and the session lookup it did moments ago.
///
/// A token's verification is remembered until it expires. A session's liveness is remembered for `sessionTTL`
/// seconds only: a session revoked on any node (logout, "log out everywhere") is forgotten at once (`NodeCaches`,
/// through the `CacheInvalidator`), and one whose user was deleted stops working within `sessionTTL`.
/// Both maps are bounded and simply reset when full.
final class AuthCache: Sendable {
    private struct State {
        var tokens: [String: TokenService.Verified] = [:]
        /// Session id → (user, when its liveness was last read from the store).
        var sessions: [String: (userID: String, checked: Timestamp)] = [:]
    }

    private let state = Mutex(State())
    let sessionTTL: Double
    private let capacity: Int

    init(sessionTTL: Double = 1, capacity: Int = 10_000) {
        self.sessionTTL = sessionTTL
        self.capacity = capacity
    }

    /// A token verified before and not yet expired.
    func verified(token: String, now: Timestamp) -> TokenService.Verified? {
        state.withLock { s in
            guard let entry = s.tokens[token] else { return nil }
            guard entry.expires > now else {
                s.tokens[token] = nil
                return nil
            }
            return entry
        }
    }

    func remember(token: String, _ verified: TokenService.Verified) {
        state.withLock { s in
            if s.tokens.count >= capacity { s.tokens.removeAll(keepingCapacity: true) }
            s.tokens[token] = verified
        }
    }

    /// The user of a session seen live within the last `sessionTTL` seconds.
    func liveSession(_ id: String, now: Timestamp) -> String? {
        state.withLock { s in
            guard let entry = s.sessions[id], entry.checked <= now, now < entry.checked.adding(seconds: sessionTTL) else { return nil }
            return entry.userID
        }
    }

    func rememberSession(_ id: String, userID: String, now: Timestamp) {
        state.withLock { s in
            if s.sessions.count >= capacity { s.sessions.removeAll(keepingCapacity: true) }
            s.sessions[id] = (userID, now)
        }
    }

    /// Forgets one session (it was revoked here).
    func forgetSession(_ id: String) {
        _ = state.withLock { $0.sessions.removeValue(forKey: id) }
    }

    /// Forgets every session of a user (all were revoked, here or on another node).
    func forgetSessions(ofUser userID: String) {
        state.withLock { s in s.sessions = s.sessions.filter { $0.value.userID != userID } }
    }

    /// Forgets every session (this node may have missed revocations made elsewhere).
    func forgetAllSessions() {
        state.withLock { $0.sessions.removeAll(keepingCapacity: true) }
    }
}
