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
