#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A UTC instant with microsecond precision, the unit every stored timestamp uses.
///
/// Stored as integer microseconds so that text formatting, comparisons and cursor
/// arithmetic are exact and allocation-free; stored as fixed-width UTC text, so text order is time order.
public struct Timestamp: Sendable, Hashable, Comparable, Codable {
    /// Microseconds since the Unix epoch.
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    /// Whole seconds since the epoch, saturating at the ends of the range.
    public init(seconds: Int64) {
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        self.microseconds = overflow ? (seconds > 0 ? .max : .min) : product
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    /// Whole seconds since the epoch (floor).
    public var unixSeconds: Int64 { microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000 }

    public var unixNanoseconds: Int64 { microseconds &* 1000 }

    /// `seconds` later (earlier when negative). Saturates at the ends of the range instead of trapping, so a
    /// huge or non-finite duration from configuration cannot crash the caller; NaN adds nothing.
    public func adding(seconds: Double) -> Timestamp {
        adding(microseconds: Int64(saturating: (seconds * 1_000_000).rounded()))
    }

    /// `delta` microseconds later, saturating at the ends of the range.
    public func adding(microseconds delta: Int64) -> Timestamp {
        let (sum, overflow) = microseconds.addingReportingOverflow(delta)
        return Timestamp(microseconds: overflow ? (delta > 0 ? .max : .min) : sum)
    }

    /// 00:00:00 UTC of this instant's day.
    public var startOfDay: Timestamp {
        let day: Int64 = 86_400_000_000
        let floored = microseconds >= 0 ? microseconds / day : (microseconds - day + 1) / day
        return Timestamp(microseconds: floored * day)
    }

    /// Broken-down UTC fields.
    public var utcComponents: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, micro: Int, weekday: Int) {
        var t = time_t(unixSeconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let micro = Int(microseconds - unixSeconds * 1_000_000)
        return (
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour),
            Int(parts.tm_min), Int(parts.tm_sec), micro, Int(parts.tm_wday)
        )
    }
}
