import Domain
import Testing

@testable import App

/// The in-process wake-ups of event streams and the per-user stream cap.
@Suite struct ThreadNotifierTests {
    @Test func aReplyWakesEverySubscriberOfItsPostOnlyAndManyWakeUpsAreOne() async {
        let notifier = LiveThreadNotifier()
        let first = notifier.subscribe(postID: "p1")
        let second = notifier.subscribe(postID: "p1")
        let other = notifier.subscribe(postID: "p2")
        notifier.replyWritten(postID: "p1")
        notifier.replyWritten(postID: "p1")
        notifier.replyWritten(postID: "p2")
        #expect(notifier.openSubscriptions == 3)
        // Each subscriber holds one wake-up (two replies before it looked are one); dropping them ends the
        // streams, so what a stream yields is exactly what it was sent.
        let counts = await withTaskGroup(of: Int.self) { group in
            for subscription in [first, second] {
                group.addTask { await subscription.wakeUps.reduce(0) { count, _ in count + 1 } }
            }
            notifier.unsubscribeAllForTesting()
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts == [1, 1])
        _ = other
    }

    @Test func droppingASubscriptionOrCancellingItsReaderLeavesTheTable() async {
        let notifier = LiveThreadNotifier()
        do {
            let dropped = notifier.subscribe(postID: "p1")
            #expect(notifier.openSubscriptions == 1)
            _ = dropped
        }
        #expect(notifier.openSubscriptions == 0)
        let subscription = notifier.subscribe(postID: "p1")
        // The stream's reader task is cancelled when the stream ends (ThreadEventStream's defer).
        let reader = Task { for await _ in subscription.wakeUps {} }
        reader.cancel()
        await reader.value
        #expect(notifier.openSubscriptions == 0)
        notifier.replyWritten(postID: "p1")
    }

    @Test func theCapCountsPerUserAndAReleaseFreesAPlace() throws {
        let limiter = EventStreamLimiter(perUser: 2)
        try limiter.acquire(userID: "u1")
        try limiter.acquire(userID: "u1")
        #expect(throws: DomainError.streamLimitReached) { try limiter.acquire(userID: "u1") }
        try limiter.acquire(userID: "u2")
        limiter.release(userID: "u1")
        try limiter.acquire(userID: "u1")
        #expect(limiter.count(userID: "u1") == 2)
    }

    @Test func aLeaseReleasesOnceEvenWhenDroppedAfterItsRelease() throws {
        let limiter = EventStreamLimiter(perUser: 1)
        do {
            let lease = try StreamLease.acquire(limiter: limiter, userID: "u1")
            lease.release()
            #expect(limiter.count(userID: "u1") == 0)
            try limiter.acquire(userID: "u1")
        }
        #expect(limiter.count(userID: "u1") == 1, "the dropped lease did not release a second time")
        do { _ = try StreamLease.acquire(limiter: limiter, userID: "u2") }
        #expect(limiter.count(userID: "u2") == 0, "a lease whose body never ran releases when dropped")
    }
}
