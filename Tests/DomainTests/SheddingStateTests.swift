import Domain
import Testing

/// Adaptive shedding: on while either signal exceeds its threshold, off once both are back at or
/// below; halves only the anonymous public-write limit.
@Suite struct SheddingStateTests {
    @Test func startsAndEndsOnTheThresholds() {
        let state = SheddingState()
        #expect(state.queueDepthThreshold == 200 && state.retriesThreshold == 30)
        #expect(!state.isActive)
        #expect(!state.update(queueDepth: 200, retriesLast10m: 30)) // at the threshold is fine
        #expect(state.update(queueDepth: 201, retriesLast10m: 0))
        #expect(state.isActive)
        // The queue drained but retries are still high: stays on.
        #expect(state.update(queueDepth: 10, retriesLast10m: 31))
        #expect(state.isActive)
        // Both back at or below: off.
        #expect(!state.update(queueDepth: 200, retriesLast10m: 30))
        #expect(!state.isActive)
        #expect(state.update(queueDepth: 0, retriesLast10m: 31))
        #expect(!state.update(queueDepth: 0, retriesLast10m: 0))
    }

    @Test func customThresholds() {
        let state = SheddingState(queueDepthThreshold: 5, retriesThreshold: 1)
        #expect(state.update(queueDepth: 6, retriesLast10m: 0))
        #expect(state.update(queueDepth: 0, retriesLast10m: 2))
        #expect(!state.update(queueDepth: 5, retriesLast10m: 1))
    }

    @Test func halvesOnlyAnonymousPublicWritesWhileActive() {
        let state = SheddingState()
        let rule = RateLimitRule(perMinute: 30)
        #expect(state.effectiveRule(rule, class: .publicWrite, anonymous: true) == rule) // inactive
        state.update(queueDepth: 500, retriesLast10m: 0)
        #expect(state.effectiveRule(rule, class: .publicWrite, anonymous: true).limit == 15)
        #expect(state.effectiveRule(rule, class: .publicWrite, anonymous: false) == rule)
        for other in RateLimitClass.allCases where other != .publicWrite {
            #expect(state.effectiveRule(rule, class: other, anonymous: true) == rule, "\(other) must not be shed")
        }
        #expect(state.effectiveRule(RateLimitRule(perMinute: 3), class: .publicWrite, anonymous: true).limit == 1)
        #expect(state.effectiveRule(RateLimitRule(perMinute: 1), class: .publicWrite, anonymous: true).limit == 1)
        #expect(state.effectiveRule(.disabled, class: .publicWrite, anonymous: true).isDisabled)
        state.update(queueDepth: 0, retriesLast10m: 0)
        #expect(state.effectiveRule(rule, class: .publicWrite, anonymous: true) == rule)
    }

    @Test func shedRuleAppliesToAnExistingBucket() {
        let store = InMemoryRateLimitStore()
        let state = SheddingState()
        let key = RateLimitKey(.publicWrite, "203.0.113.7")
        let base = RateLimitRule(perMinute: 30)
        let now = Timestamp(seconds: 1_700_000_000)
        for _ in 0..<10 { _ = store.take(key, rule: base, now: now) } // 20 left
        state.update(queueDepth: 201, retriesLast10m: 0)
        let shed = state.effectiveRule(base, class: .publicWrite, anonymous: true)
        let d = store.take(key, rule: shed, now: now)
        #expect(d.limit == 15 && d.remaining == 14)
    }
}

/// What the monitor asks before reading the database's signals: whether any rate-limited request came since its last look.
@Suite struct SheddingRequestsSeenTests {
    @Test func aRequestSetsItAndTheMonitorsLookResetsIt() {
        let state = SheddingState()
        #expect(state.takeRequestsSeen() == false, "a node that served nothing has nothing to look at")
        state.noteRequest()
        state.noteRequest()
        #expect(state.takeRequestsSeen())
        #expect(state.takeRequestsSeen() == false, "reset by the look")
    }
}
