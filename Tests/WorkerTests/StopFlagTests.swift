import Testing
import Worker

/// `StopFlag.waitUntilStopped`, the job watchdog's wait: it ends when the flag is set, and at once when the waiting
/// task is cancelled (the watchdog of every job that finished), whichever comes first, including before it started.
@Suite struct StopFlagTests {
    @Test func aWaitEndsWhenTheFlagIsSet() async {
        let flag = StopFlag()
        let (started, signal) = AsyncStream<Void>.makeStream()
        let waiter = Task {
            signal.yield()
            await flag.waitUntilStopped()
            return flag.isStopped
        }
        for await _ in started { break }
        flag.stop()
        #expect(await waiter.value, "the wait ended because of stop(), not before")
    }

    @Test func aWaitOnASetFlagEndsAtOnce() async {
        let flag = StopFlag()
        flag.stop()
        await flag.waitUntilStopped()
        #expect(flag.isStopped)
    }

    @Test func cancellingTheWaitingTaskEndsTheWaitWithoutTheFlag() async {
        let flag = StopFlag()
        let (started, signal) = AsyncStream<Void>.makeStream()
        let waiter = Task {
            signal.yield()
            await flag.waitUntilStopped()
            return Task.isCancelled
        }
        for await _ in started { break }
        waiter.cancel()
        #expect(await waiter.value)
        #expect(!flag.isStopped)
    }

    @Test func aWaitStartedInACancelledTaskEndsAtOnce() async {
        let flag = StopFlag()
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await flag.waitUntilStopped()
            return Task.isCancelled
        }
        #expect(await waiter.value)
        #expect(!flag.isStopped)
    }

    @Test func manyWaitersAllEndOnStop() async {
        let flag = StopFlag()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 { group.addTask { await flag.waitUntilStopped() } }
            flag.stop()
            await group.waitForAll()
        }
        #expect(flag.isStopped)
    }
}
