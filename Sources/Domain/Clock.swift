#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one time source: all "now", day and week boundaries come from here, in UTC.
public protocol AppClock: Sendable {
    func now() -> Timestamp
}

/// Wall-clock time from the operating system.
public struct SystemClock: AppClock {
    public init() {}

    public func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }
}

/// Monotonic time for deadlines and durations (never jumps with wall-clock changes).
public enum Monotonic {
    public static func nanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// The monotonic instant `seconds` from now, saturating instead of trapping on a huge, negative or non-finite
    /// duration (a negative or NaN one is now).
    public static func nanos(after seconds: Double) -> UInt64 {
        let (sum, overflow) = nanos().addingReportingOverflow(UInt64(saturating: seconds * 1e9))
        return overflow ? .max : sum
    }
}
