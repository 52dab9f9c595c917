import Domain
import TestSupport
import Testing

@testable import App

/// The console's per-minute ring: the last 60 minutes by a manual clock, fixed memory, a cap on keys.
@Suite struct MinuteRingTests {
    /// 12:00:00 UTC on a whole minute, so "the same minute" and "the next minute" are exact.
    static let start = Timestamp(seconds: 1_795_003_200)

    @Test func countsInTheCurrentMinuteAddUpByKey() {
        let clock = ManualClock(Self.start)
        let ring = MinuteRing(clock: clock)
        ring.add("ok")
        ring.add("ok", count: 2)
        ring.add("error")
        clock.advance(seconds: 59)
        #expect(ring.totals() == ["ok": 3, "error": 1])
    }

    @Test func aCountStaysForSixtyMinutesAndIsGoneInTheSixtyFirst() {
        let clock = ManualClock(Self.start)
        let ring = MinuteRing(clock: clock)
        ring.add("hit")
        clock.advance(seconds: 59 * 60 + 59)
        #expect(ring.totals() == ["hit": 1], "still inside the hour (minute 59)")
        clock.advance(seconds: 1)
        #expect(ring.totals().isEmpty, "minute 60: an hour old")
    }

    @Test func aSlotIsClearedWhenItsMinuteComesRoundAgain() {
        let clock = ManualClock(Self.start)
        let ring = MinuteRing(clock: clock)
        ring.add("signup", count: 5)
        clock.advance(seconds: 60 * 60) // the same slot, an hour later
        ring.add("signup")
        #expect(ring.totals() == ["signup": 1])
        #expect(ring.series("signup").last == 1)
        #expect(ring.series("signup").dropLast().allSatisfy { $0 == 0 })
    }

    @Test func theSeriesHasSixtyMinutesOldestFirst() {
        let clock = ManualClock(Self.start)
        let ring = MinuteRing(clock: clock)
        for minute in 0..<90 {
            ring.add("ok", count: minute)
            clock.advance(seconds: 60)
        }
        clock.advance(seconds: -60) // back into the minute of the last add (89)
        let series = ring.series("ok")
        #expect(series.count == MinuteRing.minutes)
        #expect(series == Array(30..<90))
        #expect(ring.totals()["ok"] == (30..<90).reduce(0, +))
    }

    @Test func aQuietGapLeavesNoStaleCounts() {
        let clock = ManualClock(Self.start)
        let ring = MinuteRing(clock: clock)
        ring.add("ok", count: 7)
        clock.advance(seconds: 5 * 3600 + 30 * 60) // hours later, a different slot
        ring.add("ok")
        #expect(ring.totals() == ["ok": 1])
    }

    @Test func keysPastTheCapAreCountedAsOther() {
        let clock = ManualClock(Self.start)
        let ring = MinuteRing(clock: clock)
        for index in 0..<(MinuteRing.maxKeys + 5) { ring.add("key-\(index)") }
        ring.add("key-0")
        let totals = ring.totals()
        #expect(totals.count == MinuteRing.maxKeys + 1)
        #expect(totals[MinuteRing.overflowKey] == 5)
        #expect(totals["key-0"] == 2, "a key already counted keeps counting")
    }

    @Test func theMetricsPathFeedsTheRings() {
        let clock = ManualClock(Self.start)
        let metrics = AppMetrics(registry: .init(), clock: clock)
        metrics.recordLLMCall(op: "reply", outcome: "ok", seconds: 0.1)
        metrics.recordLLMCall(op: "reply", outcome: "error", seconds: 0.1)
        metrics.recordLLMCache(hit: true)
        metrics.recordRateLimited(scope: "ip", endpoint: "signup")
        #expect(metrics.recent.llmCalls.totals() == ["ok": 1, "error": 1])
        #expect(metrics.recent.llmCache.totals() == ["hit": 1])
        #expect(metrics.recent.rateLimited.totals() == ["signup": 1])
        clock.advance(seconds: 3600)
        #expect(metrics.recent.llmCalls.totals().isEmpty)
        #expect(metrics.render(now: clock.now()).contains(#"llm_requests_total{op="reply",outcome="ok"} 1"#), "Prometheus keeps the running total")
    }
}
