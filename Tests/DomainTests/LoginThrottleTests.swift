import Domain
import Testing

/// Failed-login throttling per (account, address), per address, and per account as a growing delay that a
/// stranger cannot use to lock the owner out.
@Suite struct LoginThrottleTests {
    let start = Timestamp(seconds: 1_700_000_000)

    /// One attempt that fails; returns the 401's headers decision, or the denial.
    @discardableResult
    private func fail(
        _ throttle: LoginThrottle, _ account: String, _ ip: String, at now: Timestamp
    ) async -> Result<
        RateLimitDecision, Denied
    > {
        switch await throttle.begin(account: account, ip: ip, now: now) {
        case .proceed(let attempt): return .success(await throttle.failed(attempt, now: now))
        case .denied(let decision, let stage): return .failure(Denied(decision: decision, stage: stage))
        }
    }

    private func admitted(_ throttle: LoginThrottle, _ account: String, _ ip: String, at now: Timestamp) async -> Bool {
        if case .proceed = await throttle.begin(account: account, ip: ip, now: now) { return true }
        return false
    }

    struct Denied: Error, Equatable {
        let decision: RateLimitDecision
        let stage: RateLimitClass
    }

    @Test func oneAddressHammeringAnAccountIsThrottledWhileTheOwnerElsewhereLogsIn() async throws {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 10)
        for n in 0..<10 {
            let d = try await fail(throttle, "victim@example.com", "198.51.100.1", at: start).get()
            #expect(d.allowed && d.limit == 10 && d.remaining == 9 - n, "headers describe the account-and-address bucket")
        }
        guard case .failure(let denied) = await fail(throttle, "victim@example.com", "198.51.100.1", at: start) else {
            Issue.record("the eleventh guess from the same address got through")
            return
        }
        #expect(denied.stage == .loginAccountIP && denied.decision.retryAfterSeconds == 6, "one failure per 6 s at 10 per minute")
        #expect(await admitted(throttle, "victim@example.com", "203.0.113.50", at: start), "the owner, elsewhere, still gets in")
        #expect(await admitted(throttle, "other@example.com", "198.51.100.1", at: start), "the address may still try other accounts")
        #expect(await admitted(throttle, "victim@example.com", "198.51.100.1", at: start.adding(seconds: 6)), "and this one as the bucket refills")
    }

    @Test func anHourOfHammeringFromOneAddressStillDoesNotLockTheOwnerOut() async throws {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 10, accountFailuresPerHour: 100)
        var now = start
        var failures = 0
        var ownerTriedDuringADelay = false
        // The attacker guesses every 6 s, as fast as stage 1 allows, for an hour: 600 tries against 100 per hour.
        for _ in 0..<(60 * 10) {
            if case .success = await fail(throttle, "victim@example.com", "198.51.100.1", at: now) { failures += 1 }
            if !ownerTriedDuringADelay, await throttle.accountState("victim@example.com", now: now).isDelaying(at: now) {
                ownerTriedDuringADelay = true
                #expect(await admitted(throttle, "victim@example.com", "203.0.113.50", at: now), "the owner gets in during the delay")
            }
            now = now.adding(seconds: 6)
        }
        #expect(ownerTriedDuringADelay, "the attacker pushed the account past its allowance")
        #expect(failures > 100 && failures < 600, "the account's delay held the attacker back: \(failures) failures")
    }

    @Test func theAccountDelayGrowsExponentiallyAndHoldsBackAddressesThatFailed() async throws {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 10, accountFailuresPerHour: 3)
        let account = "target@example.com"
        var now = start
        for n in 1...3 { try await fail(throttle, account, "10.0.0.\(n)", at: now).get() }
        #expect(!(await throttle.accountState(account, now: now).isDelaying(at: now)), "three failures per hour are free")
        var delays: [Int] = []
        for n in 4...9 {
            // Each new address gets its one attempt during the delay; each failure doubles it.
            try await fail(throttle, account, "10.0.0.\(n)", at: now).get()
            let state = await throttle.accountState(account, now: now)
            delays.append(state.delaySeconds(at: now))
            // An address that already failed here waits out the delay, with the wait in Retry-After.
            guard case .failure(let denied) = await fail(throttle, account, "10.0.0.1", at: now) else {
                Issue.record("an address that failed was let through during the delay")
                return
            }
            #expect(denied.stage == .loginAccount && denied.decision.retryAfterSeconds == state.delaySeconds(at: now))
            now = now.adding(seconds: 0.5)
        }
        #expect(delays == [1, 2, 4, 8, 16, 32])
        #expect(await admitted(throttle, account, "192.0.2.77", at: now), "a fresh address (the owner's) may still try")
        #expect(await admitted(throttle, "bystander@example.com", "10.0.0.1", at: now), "other accounts are untouched")
    }

    @Test func theDelayIsCappedAndDrainsAtTheAllowanceRate() async throws {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 1000, accountFailuresPerHour: 2)
        let account = "flood@example.com"
        for n in 0..<200 { _ = await fail(throttle, account, "10.1.\(n / 256).\(n % 256)", at: start) }
        let flooded = await throttle.accountState(account, now: start)
        #expect(flooded.delaySeconds(at: start) == LoginThrottle.maxDelaySeconds, "at most 15 minutes")
        #expect(flooded.failures == 2 + 63, "the counter remembers a bounded excess")
        let later = start.adding(seconds: 3600 * 33)
        let drained = await throttle.accountState(account, now: later)
        #expect(drained.failures == 0 && !drained.isDelaying(at: later), "2 per hour drain 65 failures in 32.5 hours")
    }

    @Test func theAddressLimitIsTenTimesLooserAcrossAccounts() async throws {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 3)
        #expect(throttle.ipRule.limit == 30 && throttle.ipRule.period == .minute)
        for i in 0..<30 { try await fail(throttle, "user\(i)@x.io", "203.0.113.7", at: start).get() }
        guard case .failure(let denied) = await fail(throttle, "fresh@x.io", "203.0.113.7", at: start) else {
            Issue.record("the address sprayed 31 accounts")
            return
        }
        #expect(denied.stage == .loginIP && denied.decision.limit == 30 && denied.decision.retryAfterSeconds == 2)
        #expect(await admitted(throttle, "fresh@x.io", "198.51.100.1", at: start), "the same account from elsewhere is fine")
    }

    @Test func failureHeadersShowTheTighterBucket() async throws {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 1)
        for i in 0..<9 { try await fail(throttle, "u\(i)@x.io", "9.9.9.9", at: start).get() }
        // Address bucket: 1 of 10 left before this failure; account-and-address bucket: 1 of 1.
        let d = try await fail(throttle, "last@x.io", "9.9.9.9", at: start).get()
        #expect(d.allowed && d.remaining == 0 && d.limit == 1, "a tie on remaining goes to the account-and-address bucket")
    }

    @Test func accountsAreNormalisedLikeStoredEmails() async throws {
        #expect(LoginThrottle.normalize(account: "  Bob@Example.COM\n") == "bob@example.com")
        #expect(LoginThrottle.normalize(account: "Jose\u{301}@x.io") == LoginThrottle.normalize(account: "jos\u{E9}@x.io"))
        #expect(LoginThrottle.normalize(account: String(repeating: "a", count: 60_000)) == "", "malformed addresses share one small key")
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 1)
        try await fail(throttle, "Bob@Example.COM ", "1.1.1.1", at: start).get()
        #expect(!(await admitted(throttle, "bob@example.com", "1.1.1.1", at: start)))
    }

    @Test func successForgetsOnlyThisAddressesFailuresOnTheAccount() async throws {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 1, accountFailuresPerHour: 1)
        try await fail(throttle, "a@x.io", "1.1.1.1", at: start).get()
        try await fail(throttle, "a@x.io", "2.2.2.2", at: start).get() // two failures: the account's delay runs
        #expect(!(await admitted(throttle, "a@x.io", "1.1.1.1", at: start)))
        guard case .proceed(let attempt) = await throttle.begin(account: "a@x.io", ip: "3.3.3.3", now: start) else {
            Issue.record("a fresh address was refused")
            return
        }
        await throttle.succeeded(attempt)
        #expect(await throttle.accountState("a@x.io", now: start).isDelaying(at: start), "the owner's success does not end the strangers' delay")
        #expect(await admitted(throttle, "a@x.io", "3.3.3.3", at: start), "but the owner's address keeps its standing")
    }

    @Test func zeroTurnsEveryStageOff() async throws {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 0)
        for _ in 0..<200 { #expect(try await fail(throttle, "a@x.io", "1.1.1.1", at: start).get() == .unlimited) }
        #expect(throttle.accountPolicy.isDisabled)
        let defaults = LoginThrottle(store: InMemoryRateLimitStore())
        #expect(defaults.pairRule.limit == 10 && defaults.accountPolicy.allowancePerHour == 100)
        let noAccountStage = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 1000, accountFailuresPerHour: 0)
        for n in 0..<300 { try await fail(noAccountStage, "b@x.io", "10.2.\(n / 256).\(n % 256)", at: start).get() }
        #expect(!(await noAccountStage.accountState("b@x.io", now: start).isDelaying(at: start)))
    }
}
