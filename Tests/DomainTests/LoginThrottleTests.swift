import Domain
import Testing

/// Failed-login throttling per account and (ten times looser) per client IP.
@Suite struct LoginThrottleTests {
    let start = Timestamp(seconds: 1_700_000_000)

    @Test func accountLocksAfterTheLimitAndOthersAreUnaffected() async {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 10)
        for n in 0..<10 {
            #expect(await throttle.check(account: "victim@example.com", ip: "198.51.100.1", now: start) == nil)
            let d = await throttle.recordFailure(account: "victim@example.com", ip: "198.51.100.1", now: start)
            #expect(d.allowed)
            #expect(d.limit == 10) // headers describe the account bucket
            #expect(d.remaining == 9 - n)
        }
        let denied = await throttle.check(account: "victim@example.com", ip: "198.51.100.1", now: start)
        #expect(denied?.allowed == false)
        #expect(denied?.limit == 10)
        #expect(denied?.retryAfterSeconds == 6) // one failure per 6 s at 10 per minute
        // The account is locked from any address.
        #expect(await throttle.check(account: "victim@example.com", ip: "203.0.113.50", now: start) != nil)
        // Another account from another address is untouched, and so is one from the same address.
        #expect(await throttle.check(account: "other@example.com", ip: "203.0.113.50", now: start) == nil)
        #expect(await throttle.check(account: "other@example.com", ip: "198.51.100.1", now: start) == nil)
        // The lock lifts as the bucket refills.
        #expect(
            await throttle.check(
                account: "victim@example.com", ip: "198.51.100.1",
                now: start.adding(seconds: 6)) == nil)
    }

    @Test func checkingDoesNotConsume() async {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 2)
        for _ in 0..<50 { #expect(await throttle.check(account: "a@x.io", ip: "1.1.1.1", now: start) == nil) }
        _ = await throttle.recordFailure(account: "a@x.io", ip: "1.1.1.1", now: start)
        #expect(await throttle.check(account: "a@x.io", ip: "1.1.1.1", now: start) == nil)
        _ = await throttle.recordFailure(account: "a@x.io", ip: "1.1.1.1", now: start)
        #expect(await throttle.check(account: "a@x.io", ip: "1.1.1.1", now: start) != nil)
    }

    @Test func ipLimitIsTenTimesLooser() async {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 3)
        #expect(throttle.ipRule.perMinute == 30)
        // Spraying one guess at each of 30 accounts from one address exhausts the IP bucket...
        for i in 0..<30 {
            #expect(await throttle.check(account: "user\(i)@x.io", ip: "203.0.113.7", now: start) == nil)
            _ = await throttle.recordFailure(account: "user\(i)@x.io", ip: "203.0.113.7", now: start)
        }
        let denied = await throttle.check(account: "fresh@x.io", ip: "203.0.113.7", now: start)
        #expect(denied?.allowed == false)
        #expect(denied?.limit == 30) // the binding bucket's figures
        #expect(denied?.retryAfterSeconds == 2)
        // ...but the same fresh account from elsewhere is fine.
        #expect(await throttle.check(account: "fresh@x.io", ip: "198.51.100.1", now: start) == nil)
    }

    @Test func tighterBucketDrivesTheHeaders() async {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 1)
        for i in 0..<9 { _ = await throttle.recordFailure(account: "u\(i)@x.io", ip: "9.9.9.9", now: start) }
        // IP bucket: 1 of 10 left before this failure; account bucket: full (1).
        let d = await throttle.recordFailure(account: "last@x.io", ip: "9.9.9.9", now: start)
        #expect(d.allowed && d.remaining == 0)
        #expect(d.limit == 1) // tie on remaining goes to the account bucket
    }

    @Test func accountIsNormalised() async {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 1)
        #expect(LoginThrottle.normalize(account: "  Bob@Example.COM\n") == "bob@example.com")
        _ = await throttle.recordFailure(account: "Bob@Example.COM ", ip: "1.1.1.1", now: start)
        #expect(await throttle.check(account: "bob@example.com", ip: "2.2.2.2", now: start) != nil)
    }

    @Test func successClearsOnlyTheAccountBucket() async {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 1)
        _ = await throttle.recordFailure(account: "a@x.io", ip: "1.1.1.1", now: start)
        #expect(await throttle.check(account: "a@x.io", ip: "3.3.3.3", now: start) != nil)
        await throttle.recordSuccess(account: "A@x.io")
        #expect(await throttle.check(account: "a@x.io", ip: "3.3.3.3", now: start) == nil)
        // Nine more failures from 1.1.1.1 on other accounts still fill its IP bucket of ten.
        for i in 0..<9 { _ = await throttle.recordFailure(account: "o\(i)@x.io", ip: "1.1.1.1", now: start) }
        #expect(await throttle.check(account: "a@x.io", ip: "1.1.1.1", now: start) != nil)
    }

    @Test func zeroDisables() async {
        let throttle = LoginThrottle(store: InMemoryRateLimitStore(), failuresPerMinute: 0)
        for _ in 0..<100 {
            #expect(await throttle.recordFailure(account: "a@x.io", ip: "1.1.1.1", now: start) == .unlimited)
        }
        #expect(await throttle.check(account: "a@x.io", ip: "1.1.1.1", now: start) == nil)
        #expect(LoginThrottle(store: InMemoryRateLimitStore()).accountRule.perMinute == 10)
    }
}
