import Domain
import Testing

/// Timestamp text forms: fixed-width UTC storage text and RFC 3339 in JSON.
@Suite struct TimestampTests {
    @Test func storageFormIsFixedWidthAndRoundTrips() throws {
        let t = Timestamp(microseconds: 1_740_824_430_123_456)
        #expect(t.storageString == "2025-03-01T10:20:30.123456Z")
        #expect(t.storageString.count == 27)
        #expect(Timestamp(storage: t.storageString) == t)
        #expect(Timestamp(storage: "2025-03-01T10:20:30.123Z") == Timestamp(microseconds: 1_740_824_430_123_000))
        #expect(Timestamp(storage: "2025-03-01T10:20:30Z") == Timestamp(seconds: 1_740_824_430))
        #expect(Timestamp(storage: "garbage") == nil)
    }

    @Test func rfc3339TrimsZeroFraction() {
        #expect(Timestamp(microseconds: 1_740_824_430_123_456).rfc3339 == "2025-03-01T10:20:30.123456Z")
        #expect(Timestamp(microseconds: 1_740_824_430_120_000).rfc3339 == "2025-03-01T10:20:30.12Z")
        #expect(Timestamp(seconds: 1_740_824_430).rfc3339 == "2025-03-01T10:20:30Z")
        #expect(Timestamp(microseconds: 1_740_824_430_999_999).rfc3339Seconds == "2025-03-01T10:20:30Z")
    }

    @Test func startOfDayAndDateAreUTC() {
        let t = Timestamp(microseconds: 1_740_824_430_123_456)
        #expect(t.startOfDay.storageString == "2025-03-01T00:00:00.000000Z")
        #expect(t.dateString == "2025-03-01")
    }

    @Test func textOrderEqualsTimeOrder() {
        let a = Timestamp(microseconds: 1_000_000_000_000_001)
        let b = Timestamp(microseconds: 1_000_000_000_100_000)
        #expect(a < b)
        #expect(a.storageString < b.storageString)
    }
}

/// Conversions of outside numbers that used to trap now saturate.
@Suite struct SaturatingConversionTests {
    @Test func floatsClampIntoTheIntegerRange() {
        #expect(Int64(saturating: 1e13 * 1e6) == .max, "10^13 seconds in microseconds: the token crash")
        #expect(Int64(saturating: 9_223_372_036_854_775_807.0) == .max, "Double(Int64.max) is 2^63, one past the range")
        #expect(Int64(saturating: -1e300) == .min)
        #expect(Int64(saturating: .infinity) == .max && Int64(saturating: -.infinity) == .min)
        #expect(Int64(saturating: .nan) == 0)
        #expect(Int64(saturating: -2.9) == -2 && Int64(saturating: 2.9) == 2)
        #expect(UInt64(saturating: 1e30) == .max && UInt64(saturating: -5) == 0 && UInt64(saturating: .nan) == 0)
        #expect(UInt64(saturating: 1.5e9) == 1_500_000_000)
        #expect(Int(saturating: 1e19) == .max)
    }

    @Test func timestampArithmeticSaturates() {
        let t = Timestamp(seconds: 1_700_000_000)
        #expect(t.adding(seconds: 1e300) == Timestamp(microseconds: .max))
        #expect(Timestamp(microseconds: .min + 1).adding(seconds: -.infinity) == Timestamp(microseconds: .min))
        #expect(t.adding(seconds: .nan) == t)
        #expect(t.adding(seconds: 1.5) == Timestamp(microseconds: 1_700_000_001_500_000))
        #expect(Timestamp(microseconds: .max - 1).adding(microseconds: 10) == Timestamp(microseconds: .max))
        #expect(Timestamp(seconds: .max) == Timestamp(microseconds: .max) && Timestamp(seconds: .min) == Timestamp(microseconds: .min))
    }

    @Test func deadlinesSaturate() {
        #expect(Monotonic.nanos(after: 1e30) == .max)
        #expect(Monotonic.nanos(after: .nan) <= Monotonic.nanos())
        let soon = Monotonic.nanos(after: 1)
        #expect(soon > Monotonic.nanos() && soon <= Monotonic.nanos() + 1_000_000_000)
    }
}
