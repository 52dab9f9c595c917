import Domain
import Synchronization

/// Short-lived memory of verified tokens and existing users, so the hot path of every authenticated
/// request skips the HMAC check, the claims decoding and the user lookup it already did moments ago.
///
/// Entries expire with the token (`exp`) and after `userTTL` seconds for the user check, so a deleted
/// user's token stops working within that window. Both maps are bounded and simply reset when full.
final class AuthCache: Sendable {
    private struct State {
        var tokens: [String: (userID: String, expires: Timestamp)] = [:]
        var users: [String: Timestamp] = [:]
    }

    private let state = Mutex(State())
    private let userTTL: Double
    private let capacity: Int

    init(userTTL: Double = 30, capacity: Int = 10_000) {
        self.userTTL = userTTL
        self.capacity = capacity
    }

    /// The user of a token verified before and not yet expired.
    func user(forToken token: String, now: Timestamp) -> String? {
        state.withLock { s in
            guard let entry = s.tokens[token] else { return nil }
            guard entry.expires > now else {
                s.tokens[token] = nil
                return nil
            }
            return entry.userID
        }
    }

    func remember(token: String, userID: String, expires: Timestamp) {
        state.withLock { s in
            if s.tokens.count >= capacity { s.tokens.removeAll(keepingCapacity: true) }
            s.tokens[token] = (userID, expires)
        }
    }

    /// Whether the user was seen to exist within the last `userTTL` seconds.
    func userRecentlyExisted(_ userID: String, now: Timestamp) -> Bool {
        state.withLock { s in
            guard let seen = s.users[userID] else { return false }
            return now < seen.adding(seconds: userTTL) && seen <= now
        }
    }

    func rememberUser(_ userID: String, now: Timestamp) {
        state.withLock { s in
            if s.users.count >= capacity { s.users.removeAll(keepingCapacity: true) }
            s.users[userID] = now
        }
    }
}
