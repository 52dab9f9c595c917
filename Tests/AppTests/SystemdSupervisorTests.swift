import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

@testable import App

/// The sd_notify conversation with systemd: READY once serving, WATCHDOG pings from the concurrency executor,
/// STOPPING on graceful shutdown.
@Suite struct SystemdSupervisorTests {
    let logger = Logger(label: "test")

    @Test func readyWatchdogAndStoppingReachARealNotifySocket() async throws {
        let dir = TestDirectory()
        let listener = try NotifyListener(directory: dir)
        defer { listener.stop() }
        let supervisor = SystemdSupervisor(
            notifier: SystemdNotifier(
                environment: SystemdEnvironment(socket: try NotifySocketAddress(listener.address), watchdogTimeout: nil), logger: logger),
            pingInterval: .milliseconds(20))
        let group = ServiceGroup(configuration: .init(services: [supervisor], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            supervisor.readiness.signal(status: "api listening on 127.0.0.1:1")
            #expect(try await listener.waitFor("READY=1") == "READY=1\nSTATUS=api listening on 127.0.0.1:1")
            _ = try await listener.waitFor("WATCHDOG=1")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        _ = try await listener.waitFor("STOPPING=1")
        let sent = listener.datagrams
        #expect(sent.last == "STOPPING=1\nSTATUS=stopping", "nothing after STOPPING=1")
        #expect(sent.filter { $0.hasPrefix("READY=1") }.count == 1, "READY=1 once")
    }

    @Test func abstractSocketNamesReceiveNotificationsToo() async throws {
        let listener = try NotifyListener(address: "@personaworlds-test-\(UUID().uuidString)")
        defer { listener.stop() }
        let notifier = SystemdNotifier(
            environment: SystemdEnvironment(environment: ["NOTIFY_SOCKET": listener.address], pid: getpid()), logger: logger)
        notifier.send(.ready, .status("worker running"))
        #expect(try await listener.waitFor("READY=1") == "READY=1\nSTATUS=worker running")
    }

    @Test func readinessSignalledBeforeTheSupervisorRunsIsKept() async throws {
        let transport = RecordingTransport()
        let supervisor = SystemdSupervisor(notifier: SystemdNotifier(transport: transport, logger: logger), pingInterval: nil)
        supervisor.readiness.signal(status: "first")
        supervisor.readiness.signal(status: "second")
        let group = ServiceGroup(configuration: .init(services: [supervisor], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await transport.next() == "READY=1\nSTATUS=first")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(transport.sent == ["READY=1\nSTATUS=first", "STOPPING=1\nSTATUS=stopping"])
    }

    /// The point of the watchdog: a ping needs a thread of the executor. The pinging task runs on an executor
    /// with one thread that the test can park (as every cooperative thread was parked in the wedge of issue 14);
    /// the schedule is driven by hand, so no real time is involved.
    @Test func watchdogPingsStopWhileTheExecutorIsBlockedAndResumeAfter() async throws {
        let executor = ParkableExecutor()
        defer { executor.shutdown() }
        let ticker = ManualTicker()
        let transport = RecordingTransport()
        let supervisor = SystemdSupervisor(
            notifier: SystemdNotifier(transport: transport, logger: logger), pingInterval: .seconds(15), sleep: ticker.sleep)
        var sleeps = ticker.sleeps.makeAsyncIterator()
        let pinger = Task(executorPreference: executor) { await supervisor.pingWatchdog(every: .seconds(15)) }

        await sleeps.next()
        ticker.fire()
        #expect(await transport.next() == "WATCHDOG=1", "the interval passed and the executor runs: a ping")

        await sleeps.next()
        executor.park()
        ticker.fire()
        #expect(executor.pendingJobs == 1, "the interval passed: the ping task waits for a thread")
        #expect(transport.sent == ["WATCHDOG=1"], "no thread, no ping")

        executor.unpark()
        #expect(await transport.next() == "WATCHDOG=1", "the executor runs again: pings resume")

        await sleeps.next()
        pinger.cancel()
        await pinger.value
        #expect(transport.sent == ["WATCHDOG=1", "WATCHDOG=1"])
        #expect(transport.senderThreads.allSatisfy(executor.isOwnThread), "every ping was sent by a thread of the executor")
    }
}

/// Records the datagrams (and the thread that sent each) instead of sending them; `next()` awaits the next one.
final class RecordingTransport: NotifyTransport {
    private let log = Mutex<[String]>([])
    private let threads = Mutex<[pthread_t]>([])
    private let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream(of: String.self) }

    var sent: [String] { log.withLock { $0 } }
    var senderThreads: [pthread_t] { threads.withLock { $0 } }

    func send(_ datagram: [UInt8]) throws {
        let text = String(decoding: datagram, as: UTF8.self)
        log.withLock { $0.append(text) }
        threads.withLock { $0.append(pthread_self()) }
        continuation.yield(text)
    }

    /// The next datagram not yet taken (one consumer at a time: iterators of one stream share its buffer).
    func next() async -> String? {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next()
    }
}

/// A sleep the test ends by hand: `sleeps` yields each time someone starts sleeping, `fire()` ends the oldest
/// sleep, cancelling the sleeping task ends its sleep with `CancellationError` (as `Task.sleep` does).
final class ManualTicker: Sendable {
    private struct State {
        var nextID: UInt64 = 0
        var waiting: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var cancelledEarly: Set<UInt64> = []
    }
    private let state = Mutex(State())
    let sleeps: AsyncStream<Void>
    private let started: AsyncStream<Void>.Continuation

    init() { (sleeps, started) = AsyncStream.makeStream(of: Void.self) }

    @Sendable func sleep(_ duration: Duration) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state in
                    if state.cancelledEarly.remove(id) != nil { return true }
                    state.waiting.append((id, continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) } else { started.yield() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else {
                    state.cancelledEarly.insert(id)
                    return nil
                }
                return state.waiting.remove(at: index).continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    func fire() {
        state.withLock { $0.waiting.isEmpty ? nil : $0.waiting.removeFirst().continuation }?.resume()
    }
}

/// A task executor with one thread that the test can park, the way a blocking call parks a thread of the
/// concurrency executor: while parked, enqueued jobs wait.
final class ParkableExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var parked = false
    private var idle = false
    private var finished = false
    private var thread: pthread_t?

    init() {
        let thread = Thread { [self] in loop() }
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.broadcast()
        }
    }

    var pendingJobs: Int { condition.withLock { jobs.count } }

    /// Whether `other` is this executor's thread.
    func isOwnThread(_ other: pthread_t) -> Bool { condition.withLock { thread.map { pthread_equal($0, other) != 0 } ?? false } }

    /// Parks the thread and returns once it is parked: the job it was running (a task on its way to a
    /// suspension) has returned, so the next resumption is an enqueued job, not a continuation in place.
    func park() {
        condition.withLock {
            parked = true
            condition.broadcast()
            while !idle { condition.wait() }
        }
    }

    func unpark() {
        condition.withLock {
            parked = false
            condition.broadcast()
        }
    }

    func shutdown() {
        condition.withLock {
            finished = true
            condition.broadcast()
        }
    }

    private func loop() {
        condition.withLock { thread = pthread_self() }
        while true {
            condition.lock()
            while !finished && (parked || jobs.isEmpty) {
                idle = true
                condition.broadcast()
                condition.wait()
            }
            idle = false
            if finished {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
