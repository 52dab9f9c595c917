import Domain
import Testing

/// Token-bucket behaviour of the in-memory rate-limit store: exhaustion, header figures,
/// refill, disabling, bounded memory and atomicity under concurrency; plus class scopes and
/// 429 messages.
@Suite struct RateLimitStoreTests {
    let start = Timestamp(seconds: 1_700_000_000)
    let key = RateLimitKey(.publicWrite, "203.0.113.7")

    func at(_ seconds: Double) -> Timestamp { start.adding(seconds: seconds) }

    @Test func exhaustionThenDenialWithHeaderFigures() {
        let store = InMemoryRateLimitStore()
        let rule = RateLimitRule(perMinute: 5)
        var remaining: [Int] = []
        for _ in 0..<5 {
            let d = store.take(key, rule: rule, now: start)
            #expect(d.allowed)
            #expect(d.limit == 5)
            #expect(d.retryAfterSeconds == nil)
            remaining.append(d.remaining)
        }
        #expect(remaining == [4, 3, 2, 1, 0])

        let denied = store.take(key, rule: rule, now: start)
        #expect(!denied.allowed)
        #expect(denied.remaining == 0)
        #expect(denied.resetSeconds == 60) // five tokens at one per 12 s
        #expect(denied.retryAfterSeconds == 12) // one token at one per 12 s
        let names = denied.headerFields.map(\.name)
        #expect(names == ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"])
        #expect(denied.headerFields.map(\.value) == ["5", "0", "60", "12"])
    }

    @Test func resetCountsSecondsUntilFullAndAllowedHasNoRetryAfter() {
        let store = InMemoryRateLimitStore()
        let rule = RateLimitRule(perMinute: 5)
        let first = store.take(key, rule: rule, now: start)
        #expect(first.resetSeconds == 12)
        #expect(!first.headerFields.contains { $0.name == "Retry-After" })
        _ = store.take(key, rule: rule, now: start)
        #expect(store.take(key, rule: rule, now: at(1)).resetSeconds == 35) // 3 missing × 12 s − 1 s
    }

    @Test func refillRestoresTokensContinuouslyAndDenialsConsumeNothing() {
        let store = InMemoryRateLimitStore()
        let rule = RateLimitRule(perMinute: 5)
        for _ in 0..<5 { _ = store.take(key, rule: rule, now: start) }
        let half = store.take(key, rule: rule, now: at(6))
        #expect(!half.allowed)
        #expect(half.retryAfterSeconds == 6)
        // Just short of a token: still denied, retry-after rounds up to at least 1.
        let almost = store.take(key, rule: rule, now: start.adding(microseconds: 12_000_000 - 1))
        #expect(!almost.allowed)
        #expect(almost.retryAfterSeconds == 1)
        // The denials above consumed nothing, so the token earned by 12 s is there.
        let one = store.take(key, rule: rule, now: at(12))
        #expect(one.allowed)
        #expect(one.remaining == 0)
        #expect(!store.take(key, rule: rule, now: at(12)).allowed)
    }

    @Test func fullRecoveryAfterAMinuteAndNoHoarding() {
        let store = InMemoryRateLimitStore()
        let rule = RateLimitRule(perMinute: 5)
        for _ in 0..<5 { _ = store.take(key, rule: rule, now: start) }
        let recovered = store.take(key, rule: rule, now: at(60))
        #expect(recovered.allowed)
        #expect(recovered.remaining == 4)
        // An hour idle still yields only a full bucket, not more.
        var allowed = 0
        for _ in 0..<10 where store.take(key, rule: rule, now: at(3_600)).allowed { allowed += 1 }
        #expect(allowed == 5)
    }

    @Test func zeroDisablesTheClass() {
        let store = InMemoryRateLimitStore()
        for _ in 0..<1_000 {
            let d = store.take(key, rule: .disabled, now: start)
            #expect(d.allowed)
            #expect(d.isUnlimited)
            #expect(d.headerFields.isEmpty)
        }
        #expect(store.peek(key, rule: RateLimitRule(perMinute: 0), now: start) == .unlimited)
        #expect(store.count == 0)
    }

    @Test func peekDoesNotConsumeOrCreateState() {
        let store = InMemoryRateLimitStore()
        let rule = RateLimitRule(perMinute: 3)
        let fresh = store.peek(key, rule: rule, now: start)
        #expect(fresh.allowed && fresh.remaining == 3 && fresh.resetSeconds == 0)
        #expect(store.count == 0)
        for _ in 0..<3 { _ = store.take(key, rule: rule, now: start) }
        let empty = store.peek(key, rule: rule, now: start)
        #expect(!empty.allowed)
        #expect(empty.retryAfterSeconds == 20)
        #expect(store.peek(key, rule: rule, now: at(20)).allowed)
        #expect(store.take(key, rule: rule, now: at(20)).allowed)
    }

    @Test func clearAndClassIndependence() {
        let store = InMemoryRateLimitStore()
        let rule = RateLimitRule(perMinute: 1)
        #expect(store.take(key, rule: rule, now: start).allowed)
        #expect(!store.take(key, rule: rule, now: start).allowed)
        // Same IP, other class: its own bucket.
        #expect(store.take(RateLimitKey(.publicRead, key.value), rule: rule, now: start).allowed)
        store.clear(key)
        #expect(store.take(key, rule: rule, now: start).allowed)
    }

    @Test func smallerRuleClampsTheStoredLevelAndClockStepsBackEarnNothing() {
        let store = InMemoryRateLimitStore()
        #expect(store.take(key, rule: RateLimitRule(perMinute: 30), now: start).remaining == 29)
        #expect(store.take(key, rule: RateLimitRule(perMinute: 15), now: start).remaining == 14)
        let rule = RateLimitRule(perMinute: 2)
        let other = RateLimitKey(.events, "x")
        _ = store.take(other, rule: rule, now: at(100))
        _ = store.take(other, rule: rule, now: at(100))
        #expect(!store.take(other, rule: rule, now: at(10)).allowed)
        #expect(!store.take(other, rule: rule, now: at(100)).allowed)
    }

    @Test func anHourlyRuleRefillsOverAnHour() {
        let store = InMemoryRateLimitStore()
        let rule = RateLimitRule(perHour: 2)
        #expect(store.take(key, rule: rule, now: start).remaining == 1)
        #expect(store.take(key, rule: rule, now: start).remaining == 0)
        let denied = store.take(key, rule: rule, now: start)
        #expect(!denied.allowed && denied.limit == 2 && denied.retryAfterSeconds == 1800 && denied.resetSeconds == 3600)
        #expect(!store.take(key, rule: rule, now: at(1799)).allowed)
        #expect(store.take(key, rule: rule, now: at(1800)).allowed)
        let huge = RateLimitRule(limit: .max, per: .hour)
        #expect(store.take(RateLimitKey(.signup, "x"), rule: huge, now: start).limit == 1_000_000_000, "clamped, never overflowing")
    }

    @Test func failureCountersCountDrainAndAreSwept() {
        let store = InMemoryRateLimitStore()
        let policy = BackoffPolicy(allowancePerHour: 2, baseDelaySeconds: 1, maxDelaySeconds: 900)
        let account = RateLimitKey(.loginAccount, "a@x.io")
        #expect(store.backoff(account, policy: policy, now: start) == .clear(policy))
        #expect(store.count == 0, "peeking creates nothing")
        #expect(!store.strike(account, policy: policy, now: start).isDelaying(at: start))
        #expect(!store.strike(account, policy: policy, now: start).isDelaying(at: start))
        let third = store.strike(account, policy: policy, now: start)
        #expect(third.failures == 3 && third.delaySeconds(at: start) == 1)
        #expect(store.strike(account, policy: policy, now: start).delaySeconds(at: start) == 2)
        #expect(store.backoff(account, policy: policy, now: at(1800)).failures == 3, "2 per hour drain one in 30 minutes")
        #expect(store.purge(now: at(7199)) == 0)
        #expect(store.purge(now: at(7200)) == 1, "four failures drain in two hours, then the entry is dead weight")
        #expect(store.strike(account, policy: BackoffPolicy(allowancePerHour: 0), now: start) == .clear(BackoffPolicy(allowancePerHour: 0)))
        #expect(store.count == 0, "a disabled policy keeps no state")
        _ = store.strike(account, policy: policy, now: start)
        store.clear(account)
        #expect(store.backoff(account, policy: policy, now: start).failures == 0)
    }

    @Test func backoffDelaysDoubleUpToTheCap() {
        let policy = BackoffPolicy(allowancePerHour: 10, baseDelaySeconds: 1, maxDelaySeconds: 900)
        #expect((0...12).map { policy.delaySeconds(excess: $0) } == [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900])
        #expect(policy.delaySeconds(excess: .max) == 900)
        #expect(BackoffPolicy(allowancePerHour: 1, baseDelaySeconds: .max, maxDelaySeconds: .max).delaySeconds(excess: 40) == 86_400)
    }

    @Test func purgeDropsBucketsThatAreFullAgain() {
        let store = InMemoryRateLimitStore()
        let rule = RateLimitRule(perMinute: 60)
        for i in 0..<100 { _ = store.take(RateLimitKey(.publicRead, "k\(i)"), rule: rule, now: start) }
        #expect(store.count == 100)
        #expect(store.purge(now: at(0.5)) == 0) // each still one token short until 1 s
        #expect(store.purge(now: at(1)) == 100)
        #expect(store.count == 0)
    }

    @Test func millionDistinctKeysAtOneInstantStayUnderTheHardCap() {
        let store = InMemoryRateLimitStore(shardCount: 16, maxEntriesPerShard: 1_024)
        let rule = RateLimitRule(perMinute: 30)
        var peak = 0
        var allowed = 0
        for i in 0..<1_000_000 {
            if store.take(RateLimitKey(.publicRead, "ip\(i)"), rule: rule, now: start).allowed { allowed += 1 }
            if i % 50_000 == 0 { peak = max(peak, store.count) }
        }
        peak = max(peak, store.count)
        #expect(allowed == 1_000_000) // every key is new, so each starts with a full bucket
        #expect(store.capacityBound == 16 * 1_024)
        #expect(peak <= store.capacityBound)
        // Eviction keeps the most recent half of a full shard, so it never empties the store.
        #expect(store.count >= 16 * 512)
    }

    @Test func hardCapEvictsTheLeastRecentlyTouched() {
        let store = InMemoryRateLimitStore(shardCount: 1, maxEntriesPerShard: 8, sweepInterval: 1_000)
        let rule = RateLimitRule(perMinute: 1)
        let hot = RateLimitKey(.publicWrite, "hot")
        #expect(store.take(hot, rule: rule, now: start).allowed)
        for i in 0..<8 {
            let now = start.adding(microseconds: Int64(i + 1))
            _ = store.take(RateLimitKey(.publicRead, "cold\(i)"), rule: rule, now: now)
            #expect(!store.take(hot, rule: rule, now: now).allowed) // touching keeps it recent
        }
        #expect(store.count <= 8)
        #expect(!store.take(hot, rule: rule, now: start.adding(microseconds: 10)).allowed)
        // The oldest cold key was evicted, so it starts over with a full bucket.
        #expect(store.take(RateLimitKey(.publicRead, "cold0"), rule: rule, now: start.adding(microseconds: 11)).allowed)
        #expect(!store.take(RateLimitKey(.publicRead, "cold7"), rule: rule, now: start.adding(microseconds: 12)).allowed)
    }

    @Test func millionDistinctKeysOverTimeAreSweptAndAnExhaustedKeyStaysDenied() {
        let store = InMemoryRateLimitStore() // default cap and sweep interval
        let rule = RateLimitRule(perMinute: 60) // a single take is refilled after 1 s
        let target = RateLimitKey(.publicWrite, "198.51.100.66")
        let tight = RateLimitRule(perMinute: 2) // one token per 30 s
        #expect(store.take(target, rule: tight, now: start).allowed)
        #expect(store.take(target, rule: tight, now: start).allowed)
        var peak = 0
        for i in 0..<1_000_000 {
            let now = start.adding(microseconds: Int64(i) * 20) // 20 s of simulated flood
            _ = store.take(RateLimitKey(.publicRead, "ip\(i)"), rule: rule, now: now)
            if i % 10_000 == 0 {
                peak = max(peak, store.count)
                #expect(!store.take(target, rule: tight, now: now).allowed)
            }
        }
        // Live keys are those taken in the last second (50,000) plus at most one sweep interval
        // per shard of stale ones — far fewer than the million seen.
        #expect(peak <= 50_000 + 16 * InMemoryRateLimitStore.defaultSweepInterval + 1)
        #expect(!store.take(target, rule: tight, now: at(20)).allowed)
        #expect(store.take(target, rule: tight, now: at(30)).allowed)
    }

    @Test func concurrentTakesOnOneKeyNeverExceedCapacity() async {
        let store = InMemoryRateLimitStore()
        let rule = RateLimitRule(perMinute: 500)
        let now = start
        let key = self.key
        let allowed = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    var n = 0
                    for _ in 0..<100 where store.take(key, rule: rule, now: now).allowed { n += 1 }
                    return n
                }
            }
            return await group.reduce(0, +)
        }
        #expect(allowed == 500)
        #expect(!store.take(key, rule: rule, now: now).allowed)
    }

    @Test func worksThroughTheProtocol() async {
        let store: any RateLimitStore = InMemoryRateLimitStore()
        let rule = RateLimitRule(perMinute: 1)
        #expect(await store.take(key, rule: rule, now: start).allowed)
        #expect(await !store.take(key, rule: rule, now: start).allowed)
        await store.clear(key)
        #expect(await store.peek(key, rule: rule, now: start).allowed)
    }

    // MARK: classes and rules

    @Test func messagesAndScopes() {
        let expected: [RateLimitClass: (String, String)] = [
            .publicRead: ("ip", "public profile rate limit exceeded"),
            .publicWrite: ("ip", "follow rate limit exceeded"),
            .battleCreate: ("user", "battle creation rate limit exceeded"),
            .templateCreate: ("user", "template creation rate limit exceeded"),
            .loginAccount: ("account", "too many failed logins"),
            .loginAccountIP: ("account_ip", "too many failed logins"),
            .loginIP: ("ip", "too many failed logins"),
            .loginGrace: ("account_ip", "too many failed logins"),
            .events: ("ip", "event rate limit exceeded"),
            .signup: ("ip", "signup rate limit exceeded"),
        ]
        #expect(expected.count == RateLimitClass.allCases.count)
        for limitClass in RateLimitClass.allCases {
            #expect(limitClass.scope == expected[limitClass]?.0)
            #expect(limitClass.exceededMessage == expected[limitClass]?.1)
        }
        #expect(RateLimitClass(rawValue: "battle_create") == .battleCreate)
        #expect(RateLimitClass.allCases.filter(\.isSheddable) == [.publicWrite])
    }

    @Test func negativeRuleIsDisabled() {
        #expect(RateLimitRule(perMinute: -5).isDisabled)
        #expect(!RateLimitRule(perMinute: 1).isDisabled)
    }
}
