import Storage
import Synchronization

/// The pool's live counts, kept by `PostgresStore.withConnection` (postgres-nio's pool does not publish its own).
final class PoolAccounting: Sendable {
    let size: Int
    let observer: ConnectionPoolObserver
    private let inUse = Atomic<Int>(0)
    private let waiting = Atomic<Int>(0)

    init(size: Int, observer: ConnectionPoolObserver) {
        self.size = size
        self.observer = observer
    }

    var figures: ConnectionPoolFigures {
        ConnectionPoolFigures(size: size, inUse: inUse.load(ordering: .relaxed), waiting: waiting.load(ordering: .relaxed))
    }

    /// A call starts waiting for a connection.
    func lease() -> PoolLease {
        waiting.add(1, ordering: .relaxed)
        return PoolLease(accounting: self)
    }

    fileprivate func leased(waited: Double) {
        waiting.subtract(1, ordering: .relaxed)
        inUse.add(1, ordering: .relaxed)
        observer.leased(waited)
    }

    fileprivate func timedOut() {
        waiting.subtract(1, ordering: .relaxed)
        observer.timedOut()
    }

    fileprivate func returned() { inUse.subtract(1, ordering: .relaxed) }
    fileprivate func abandoned() { waiting.subtract(1, ordering: .relaxed) }
}

/// One call's wait for a connection: it ends leased or timed out, whichever claims first (a connection that arrives
/// after the timeout is refused and goes back to the pool), and `end()` settles the counts once the call is over.
final class PoolLease: Sendable {
    enum State { case waiting, leased, timedOut, ended }
    private let state = Mutex<State>(.waiting)
    private let accounting: PoolAccounting
    private let started = ContinuousClock.now

    fileprivate init(accounting: PoolAccounting) { self.accounting = accounting }

    /// The connection arrived: true unless the wait already timed out.
    func claimLeased() -> Bool {
        let won = state.withLock { state -> Bool in
            guard state == .waiting else { return false }
            state = .leased
            return true
        }
        if won { accounting.leased(waited: PostgresStore.seconds(ContinuousClock.now - started)) }
        return won
    }

    /// The wait's bound passed: true unless the connection already arrived.
    func claimTimedOut() -> Bool {
        let won = state.withLock { state -> Bool in
            guard state == .waiting else { return false }
            state = .timedOut
            return true
        }
        if won { accounting.timedOut() }
        return won
    }

    /// The call is over: a leased connection is back in the pool, a wait that neither leased nor timed out (an error,
    /// a cancellation) is no longer waiting.
    func end() {
        let previous = state.withLock { state -> State in
            defer { state = .ended }
            return state
        }
        switch previous {
        case .leased: accounting.returned()
        case .waiting: accounting.abandoned()
        case .timedOut, .ended: break
        }
    }
}
