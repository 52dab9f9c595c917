import Domain
import Storage
import Synchronization

/// The compute slots of a worker pool: at most `WORKER_CONCURRENCY` jobs run their handler's work (the LLM call) at
/// once, while further loops wait for their finishing write to commit without holding one.
///
/// Why: on PostgreSQL a commit is a round trip and a WAL flush away, and a batch holds only the finishing writes
/// queued while the previous batch ran: with as many loops as compute slots, each batch held about half of them, and
/// the queue's fixed cost per batch (its claim, its context reads, its commit) was paid every two jobs. More loops fill
/// a batch; the slots keep the number of LLM calls in flight where the operator set it.
public final class ComputePermits: Sendable {
    private struct State {
        var free: Int
        /// Loops holding a chained job, served first.
        var holders: [CheckedContinuation<Bool, Never>] = []
        /// Loops that want to claim, each with the mailbox another loop's claim may hand it a job in (`handOut`).
        var claimers: [(continuation: CheckedContinuation<Bool, Never>, mailbox: ClaimMailbox?)] = []
        /// Finishing writes in flight that will bring a chained job (`reserveChain`).
        var chainsPending = 0
        /// Jobs claims in flight will hand to loops waiting to claim (`jobsForWaitingClaimers`), so that two claims at
        /// once do not both take a job for the same waiting loop.
        var promised = 0
        /// A moving average of the seconds a job computes (claim to hand-off).
        var meanCompute = 0.0
        var closed = false
    }

    /// How long a chained job may be expected to wait for a slot: a loop chains a claim to its write only if the job
    /// would start within this. Longer, and the job would sit claimed on this node while another node's loop is idle.
    public static let chainWaitBound = 0.05

    private let capacity: Int
    private let state: Mutex<State>

    public init(_ count: Int) {
        capacity = max(1, count)
        state = Mutex(State(free: max(1, count)))
    }

    /// Waits for a slot to claim a job with; false once the pool is closing (`close`), then the caller takes no job.
    /// With a `mailbox`, another loop's claim may hand this loop a job while it waits (`handOut`): it is then served
    /// as a loop holding a job, and finds the job in the mailbox (also when false is returned: it must give it back).
    public func acquire(_ mailbox: ClaimMailbox? = nil) async -> Bool { await wait(holding: false, mailbox: mailbox) }

    /// Waits for a slot for a chained job the loop holds (served before loops that want to claim); false when closing.
    public func acquireForHeldJob() async -> Bool { await wait(holding: true, mailbox: nil) }

    private func wait(holding: Bool, mailbox: ClaimMailbox?) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let granted: Bool? = state.withLock { s in
                    if s.closed || Task.isCancelled { return false }
                    if s.free > 0 && (holding || s.holders.isEmpty) {
                        s.free -= 1
                        return true
                    }
                    if holding { s.holders.append(continuation) } else { s.claimers.append((continuation, mailbox)) }
                    return nil
                }
                if let granted { continuation.resume(returning: granted) }
            }
        } onCancel: {
            close()
        }
    }

    /// Gives a slot back: to a loop holding a job first, then to one that wants to claim.
    public func release() {
        let waiter: CheckedContinuation<Bool, Never>? = state.withLock { s in
            if !s.closed {
                if !s.holders.isEmpty { return s.holders.removeFirst() }
                if !s.claimers.isEmpty { return s.claimers.removeFirst().continuation }
            }
            s.free += 1
            return nil
        }
        waiter?.resume(returning: true)
    }

    /// Whether a finishing write may claim a chained job: when the jobs already bound for a slot would leave one free
    /// within `chainWaitBound` at the recent compute time (at once when jobs compute in microseconds, rarely when
    /// they wait seconds for an LLM). True reserves the chain until `endChain`.
    public func reserveChain() -> Bool {
        state.withLock { s in
            guard !s.closed else { return false }
            guard startsSoon(s, after: 0) else { return false }
            s.chainsPending += 1
            return true
        }
    }

    /// Whether a job bound for a slot behind those already bound (holders, pending chains) and `after` more would
    /// start within `chainWaitBound` at the recent compute time.
    private func startsSoon(_ s: State, after extra: Int) -> Bool {
        let ahead = s.holders.count + s.chainsPending + extra
        let rounds = ahead < s.free ? 0 : (ahead - s.free) / capacity + 1
        return Double(rounds) * s.meanCompute <= Self.chainWaitBound
    }

    /// How many more jobs a claim may take for loops waiting to claim with a mailbox (`handOut`): at most `limit`, one
    /// per such loop that no other claim in flight takes one for, while each would start within `chainWaitBound` as a
    /// chained job must. The number is promised until the claim hands its jobs out (`handOut(_:promised:)`).
    ///
    /// Why: a pool's loops start (and come back from idle) without jobs, and each joined with a claim of its own, which
    /// waits for a slot behind every loop holding a chained job: two to four joined per group commit, and a node with
    /// 64 loops (PostgreSQL) took 0.55 s to have them all busy, with small batches until then (`docs/benchmarks.md`).
    public func jobsForWaitingClaimers(limit: Int) -> Int {
        state.withLock { s in
            guard !s.closed else { return 0 }
            let waiting = s.claimers.count(where: { $0.mailbox != nil }) - s.promised
            var n = 0
            while n < min(limit, waiting) && startsSoon(s, after: s.promised + n) { n += 1 }
            s.promised += n
            return n
        }
    }

    /// Hands `jobs` to loops waiting to claim with a mailbox, the longest waiting first: each such loop then waits as
    /// one holding a job (served first), and ends the claim's promise of `promised` jobs (also when its claim failed,
    /// with no jobs). Returns the jobs no loop was waiting for any more (the caller gives them back).
    public func handOut(_ jobs: [ClaimedJob], promised: Int) -> [ClaimedJob] {
        let (rest, granted) = state.withLock { s -> (ArraySlice<ClaimedJob>, [CheckedContinuation<Bool, Never>]) in
            s.promised = max(0, s.promised - promised)
            var rest = jobs[...]
            while !s.closed, let job = rest.first, let index = s.claimers.firstIndex(where: { $0.mailbox != nil }) {
                let waiter = s.claimers.remove(at: index)
                waiter.mailbox?.put(job)
                s.holders.append(waiter.continuation)
                rest = rest.dropFirst()
            }
            // A slot free while loops hold jobs goes to them now (only a moment's race leaves one free).
            var granted: [CheckedContinuation<Bool, Never>] = []
            while s.free > 0, !s.holders.isEmpty {
                s.free -= 1
                granted.append(s.holders.removeFirst())
            }
            return (rest, granted)
        }
        for waiter in granted { waiter.resume(returning: true) }
        return Array(rest)
    }

    /// The reserved chain's write has returned (with or without a job).
    public func endChain() {
        state.withLock { $0.chainsPending = max(0, $0.chainsPending - 1) }
    }

    /// Records how long a job computed (for `reserveChain`).
    public func noteCompute(seconds: Double) {
        state.withLock { s in s.meanCompute = s.meanCompute == 0 ? seconds : s.meanCompute * 0.9 + seconds * 0.1 }
    }

    /// Ends every wait with false, now and later (shutdown, or the loops' task cancelled).
    public func close() {
        let waiters: [CheckedContinuation<Bool, Never>] = state.withLock { s in
            s.closed = true
            defer {
                s.holders.removeAll()
                s.claimers.removeAll()
            }
            return s.holders + s.claimers.map(\.continuation)
        }
        for waiter in waiters { waiter.resume(returning: false) }
    }

    /// Loops waiting now with a chained job, and to claim (tests).
    public var waitingCounts: (holders: Int, claimers: Int) { state.withLock { ($0.holders.count, $0.claimers.count) } }
}

/// A handler's hand-off point: the worker pool sets the job's slot around each job's handler, and the handler calls
/// `computed()` right before its finishing write. That frees the job's compute slot for another loop while the write
/// waits for its commit, and says whether a claim may be chained to the write: only when a slot was free for the next
/// job, so a loop never holds a claimed job while it waits for a slot (which would keep it from another node's idle
/// loops and run down its lease).
public enum WorkerSlot {
    @TaskLocal static var current: JobSlot?

    /// Ends the current job's compute phase; true when the finishing write may claim the next job.
    public static func computed() -> Bool { current?.handOff() ?? true }
}

/// One job's slot in a loop: held from the claim to the hand-off; then, if the write chains a claim, its reservation.
final class JobSlot: Sendable {
    private struct State {
        var jobHeld = true
        var chainReserved = false
    }

    private let permits: ComputePermits
    private let started = Monotonic.nanos()
    private let state = Mutex(State())

    /// For a job whose slot the loop holds.
    init(_ permits: ComputePermits) {
        self.permits = permits
    }

    /// `WorkerSlot.computed`: frees the job's slot and says whether its write may chain a claim.
    func handOff() -> Bool {
        if releaseJob() { permits.noteCompute(seconds: Double(Monotonic.nanos() - started) / 1e9) }
        return reserveChain()
    }

    /// Reserves a chained claim for the pool's own write (a failure's), if one may be chained.
    func reserveChain() -> Bool {
        if state.withLock({ $0.chainReserved }) { return true }
        let reserved = permits.reserveChain()
        state.withLock { $0.chainReserved = reserved }
        return reserved
    }

    /// Frees the job's slot if the handler never handed off (its result needed no write, or failed).
    func endCompute() { releaseJob() }

    /// Gives the job's slot back if it is still held; returns whether it was.
    @discardableResult
    private func releaseJob() -> Bool {
        let held = state.withLock { s -> Bool in
            defer { s.jobHeld = false }
            return s.jobHeld
        }
        if held { permits.release() }
        return held
    }

    /// After the outcome's write: frees the slot and ends the chain's reservation. A chained job then waits for a
    /// slot of its own (`ComputePermits.acquireForHeldJob`).
    func end() {
        endCompute()
        let chain = state.withLock { s -> Bool in
            defer { s.chainReserved = false }
            return s.chainReserved
        }
        if chain { permits.endChain() }
    }
}

/// Where a loop waiting to claim receives a job another loop's claim took for it (`ComputePermits.handOut`).
public final class ClaimMailbox: Sendable {
    private let job = Mutex<ClaimedJob?>(nil)

    public init() {}

    func put(_ handed: ClaimedJob) { job.withLock { $0 = handed } }

    /// The job handed to this loop, once; nil when none was.
    public func take() -> ClaimedJob? {
        job.withLock { job in
            defer { job = nil }
            return job
        }
    }
}
