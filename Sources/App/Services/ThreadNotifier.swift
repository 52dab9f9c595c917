import Foundation
import Synchronization

/// Wake-ups for open event streams (`GET /posts/{id}/events`): the worker in this process says a post got a
/// reply, and every stream open on that post looks at the store at once instead of at its next poll. A reply
/// written by another process is not announced here; the stream's own short poll of the store finds it.
protocol ThreadNotifier: Sendable {
    /// Called after a reply to `postID` was stored.
    func replyWritten(postID: String)
    /// Wake-ups for `postID` until the subscription is dropped; several wake-ups before the reader looks are one.
    /// A stream subscribes before it reads the thread, so a reply stored in between still wakes it.
    func subscribe(postID: String) -> ThreadSubscription
}

/// One stream's wake-ups; dropping it (the stream ended, or its response was never written) unsubscribes.
final class ThreadSubscription: Sendable {
    let wakeUps: AsyncStream<Void>
    private let cancel: @Sendable () -> Void

    init(wakeUps: AsyncStream<Void>, cancel: @escaping @Sendable () -> Void) {
        self.wakeUps = wakeUps
        self.cancel = cancel
    }

    deinit { cancel() }
}

/// The in-process notifier: a table of open subscriptions by post, each an `AsyncStream` that keeps only its
/// newest wake-up (a reader that is busy writing an event sees one more, not a backlog). A subscription
/// leaves the table when its reader is cancelled (the event stream ended) or the stream finishes, so the table holds only open streams, which
/// `EVENT_STREAMS_PER_USER` bounds per user.
final class LiveThreadNotifier: ThreadNotifier {
    private let subscribers = Mutex<[String: [UUID: AsyncStream<Void>.Continuation]]>([:])

    func replyWritten(postID: String) {
        let waiting = subscribers.withLock { $0[postID].map { Array($0.values) } ?? [] }
        for continuation in waiting { continuation.yield() }
    }

    func subscribe(postID: String) -> ThreadSubscription {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { table in
                table[postID]?[id] = nil
                if table[postID]?.isEmpty == true { table[postID] = nil }
            }
        }
        subscribers.withLock { $0[postID, default: [:]][id] = continuation }
        return ThreadSubscription(wakeUps: stream, cancel: { continuation.finish() })
    }

    /// Finishes every subscription (tests: read what each was sent, then see the end).
    func unsubscribeAllForTesting() {
        let all = subscribers.withLock { table in table.values.flatMap(\.values) }
        for continuation in all { continuation.finish() }
    }

    /// Open subscriptions (tests: a dropped stream leaves nothing behind).
    var openSubscriptions: Int { subscribers.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}
