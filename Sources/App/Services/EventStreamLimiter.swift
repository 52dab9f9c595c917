import Domain
import Synchronization

/// `EVENT_STREAMS_PER_USER`: how many event streams one user may hold open at once (a stream holds a
/// connection, a subscription and a poll of the store). Over the cap the next one is `429 too many open
/// event streams`; 0 turns streams off, and the page then polls.
final class EventStreamLimiter: Sendable {
    let perUser: Int
    private let open = Mutex<[String: Int]>([:])

    init(perUser: Int) { self.perUser = perUser }

    /// Counts a stream of `userID`, or throws `streamLimitReached`; pair every success with `release`.
    func acquire(userID: String) throws {
        try open.withLock { table in
            let count = table[userID, default: 0]
            guard count < perUser else { throw DomainError.streamLimitReached }
            table[userID] = count + 1
        }
    }

    func release(userID: String) {
        open.withLock { table in
            let count = table[userID, default: 0] - 1
            table[userID] = count > 0 ? count : nil
        }
    }

    /// Streams of `userID` open now.
    func count(userID: String) -> Int { open.withLock { $0[userID, default: 0] } }
}
