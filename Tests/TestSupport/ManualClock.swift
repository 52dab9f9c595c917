import Domain
import Synchronization

/// A clock tests move by hand.
public final class ManualClock: AppClock {
    private let current: Mutex<Timestamp>

    public init(_ start: Timestamp = Timestamp(seconds: 1_795_000_000)) { current = Mutex(start) }

    public func now() -> Timestamp { current.withLock { $0 } }

    public func advance(seconds: Double) { current.withLock { $0 = $0.adding(seconds: seconds) } }
}
