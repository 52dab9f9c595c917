import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// Rate limits on the public and creation routes: headers, 429s, recovery, client IP and shedding.
@Suite struct RateLimitRouteTests {
    @Test func anEmptyBucketAnswers429WithHeadersAndRecoversAfterTheReset() async throws {
        let clock = ManualClock()
        try await TestApp.withRouter(["RATE_LIMIT_PUBLIC_READ_PER_MIN": "3"], clock: clock, runWorker: false) { client, _ in
            var remaining: [String?] = []
            for _ in 0..<3 {
                let r = try await client.send(.get, "/templates")
                #expect(r.status == .ok)
                #expect(r.header("RateLimit-Limit") == "3")
                remaining.append(r.header("RateLimit-Remaining"))
            }
            #expect(remaining == ["2", "1", "0"])
            let limited = try await client.send(.get, "/b/0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f/meta")
            #expect(limited.status == .tooManyRequests, "one public_read bucket covers every public read route")
            #expect(limited.errorMessage == "public profile rate limit exceeded")
            #expect(limited.header("Retry-After") == "20", "3 per minute refills one token every 20 s")
            #expect(limited.header("RateLimit-Remaining") == "0")
            #expect(Int(limited.header("RateLimit-Reset") ?? "") == 60)
            clock.advance(seconds: 20)
            let recovered = try await client.send(.get, "/templates")
            #expect(recovered.status == .ok)
            #expect(recovered.header("RateLimit-Remaining") == "0")
            #expect(try await client.send(.get, "/healthz").header("RateLimit-Limit") == nil, "unlimited routes carry no headers")
        }
    }

    @Test func creationLimitsKeyOnTheUserAndRunBeforeValidation() async throws {
        // A clock that stands still: no bucket refills between the requests, however slow the machine.
        try await TestApp.withRouter(
            ["RATE_LIMIT_TEMPLATE_CREATE_PER_MIN": "2", "RATE_LIMIT_BATTLE_CREATE_PER_MIN": "1"], clock: ManualClock(), runWorker: false
        ) {
            client, _ in
            let (alice, _) = try await client.signup()
            let (bob, _) = try await client.signup()
            #expect(try await client.send(.post, "/templates", token: alice, json: "{}").status == .badRequest)
            #expect(try await client.send(.post, "/templates", token: alice, json: "{}").status == .badRequest)
            let third = try await client.send(.post, "/templates", token: alice, json: "{}")
            #expect(third.status == .tooManyRequests && third.errorMessage == "template creation rate limit exceeded")
            #expect(try await client.send(.post, "/templates", token: bob, json: "{}").status == .badRequest, "another user has their own bucket")
            #expect(try await client.send(.post, "/rooms/x/battles", token: alice, json: "{}").errorMessage == "room id is invalid")
            #expect(try await client.send(.post, "/rooms/x/battles", token: alice, json: "{}").errorMessage == "battle creation rate limit exceeded")
        }
    }

    @Test func signupsAreLimitedPerAddressPerHourOnTheAPIAndTheForm() async throws {
        let clock = ManualClock()
        try await TestApp.withRouter(["RATE_LIMIT_SIGNUP_PER_HOUR": "3"], clock: clock, runWorker: false) { client, _ in
            let first = try await client.send(.post, "/auth/signup", json: #"{"email":"one@example.com","password":"password123"}"#)
            #expect(first.status == .created && first.header("RateLimit-Limit") == "3" && first.header("RateLimit-Remaining") == "2")
            let invalid = try await client.send(.post, "/auth/signup", json: #"{"email":"@","password":"password123"}"#)
            #expect(invalid.status == .badRequest && invalid.header("RateLimit-Remaining") == "1", "a refused signup still spends a token")
            let form = try await client.form(.post, "/signup", "email=two%40example.com&password=password123")
            #expect(form.status == .seeOther && form.header("RateLimit-Remaining") == "0", "the form shares the API's bucket")

            let limited = try await client.send(.post, "/auth/signup", json: #"{"email":"three@example.com","password":"password123"}"#)
            #expect(limited.status == .tooManyRequests && limited.errorMessage == "signup rate limit exceeded")
            #expect(limited.header("Retry-After") == "1200", "3 per hour refills one token every 20 minutes")
            #expect(limited.header("RateLimit-Reset") == "3600")
            let page = try await client.form(.post, "/signup", "email=three%40example.com&password=password123")
            #expect(page.status == .tooManyRequests && page.header("Retry-After") == "1200")
            #expect(page.text.contains("Signup rate limit exceeded. Wait 20 minutes and try again."), "the form shows the message")
            #expect(page.text.contains(#"value="three@example.com""#), "and keeps what was typed")
            #expect(try await client.send(.post, "/auth/login", json: #"{"email":"one@example.com","password":"password123"}"#).status == .ok)

            clock.advance(seconds: 1200)
            let again = try await client.send(.post, "/auth/signup", json: #"{"email":"three@example.com","password":"password123"}"#)
            #expect(again.status == .created)
        }
    }

    @Test func theSignupLimitDefaultsToTwentyAndZeroTurnsItOff() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let r = try await client.send(.post, "/auth/signup", json: "{}")
            #expect(r.header("RateLimit-Limit") == "20")
        }
        try await TestApp.withRouter(["RATE_LIMIT_SIGNUP_PER_HOUR": "0"], runWorker: false) { client, _ in
            for n in 0..<21 { _ = try await client.signup("free-\(n)@example.com") }
            #expect(try await client.send(.post, "/auth/signup", json: "{}").header("RateLimit-Limit") == nil)
        }
    }

    @Test func forwardedHeadersCountOnlyFromATrustedProxy() async throws {
        // In-process requests have no socket peer and no proxy is trusted; the trusted case runs on the real
        // binary over loopback (EndToEndTests).
        try await TestApp.withRouter(["RATE_LIMIT_PUBLIC_READ_PER_MIN": "1"], clock: ManualClock(), runWorker: false) { client, _ in
            let first = try await client.send(.get, "/templates", headers: [.xForwardedFor: "203.0.113.1"])
            let second = try await client.send(.get, "/templates", headers: [.xForwardedFor: "203.0.113.2"])
            #expect(first.status == .ok)
            #expect(second.status == .tooManyRequests, "an untrusted peer cannot pick a fresh bucket by forging X-Forwarded-For")
        }
    }

    @Test func failedLoginsAreThrottledPerAccountWithoutLockingOutOthers() async throws {
        // A clock that stands still: no bucket refills while the password hashes run, however slow the machine.
        try await TestApp.withRouter(["RATE_LIMIT_LOGIN_FAILURES_PER_MIN": "3"], clock: ManualClock(), runWorker: false) { client, _ in
            _ = try await client.signup("victim@example.com")
            _ = try await client.signup("bystander@example.com")
            for n in 0..<3 {
                let r = try await client.send(.post, "/auth/login", json: #"{"email":"victim@example.com","password":"wrong-\#(n)"}"#)
                #expect(r.status == .unauthorized && r.errorMessage == "invalid credentials")
                #expect(r.header("RateLimit-Remaining") == String(2 - n))
            }
            let locked = try await client.send(.post, "/auth/login", json: #"{"email":"VICTIM@example.com","password":"password123"}"#)
            #expect(locked.status == .tooManyRequests && locked.errorMessage == "too many failed logins")
            #expect(locked.header("Retry-After") != nil)
            let other = try await client.send(.post, "/auth/login", json: #"{"email":"bystander@example.com","password":"password123"}"#)
            #expect(other.status == .ok, "the IP limit is ten times looser, so other accounts still log in")
            for _ in 0..<5 {
                #expect(
                    try await client.send(.post, "/auth/login", json: #"{"email":"bystander@example.com","password":"password123"}"#).status == .ok,
                    "successful logins do not count")
            }
        }
    }

    @Test func parallelGuessesCannotSlipPastTheAccountLimit() async throws {
        // A clock that stands still: no bucket refills while the password hashes run, however slow the machine.
        let values = TestApp.burstTimeouts.merging(["RATE_LIMIT_LOGIN_FAILURES_PER_MIN": "3"]) { $1 }
        try await TestApp.withRouter(values, clock: ManualClock(), runWorker: false) { client, _ in
            _ = try await client.signup("target@example.com")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for n in 0..<20 {
                    group.addTask {
                        try await client.send(.post, "/auth/login", json: #"{"email":"target@example.com","password":"guess-\#(n)"}"#).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .unauthorized }.count == 3, "only 3 guesses reach bcrypt: \(statuses)")
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 17)
        }
    }

    @Test func sheddingHalvesAnonymousPublicWritesWhileTheQueueIsDeep() async throws {
        // Live: /metrics answers loopback peers only (METRICS_ALLOW), and the in-process router has no peer.
        try await TestApp.withRouter(["SHED_QUEUE_DEPTH": "2", "RATE_LIMIT_PUBLIC_WRITE_PER_MIN": "10"], runWorker: false, live: true) {
            client, dir in
            func shedding() async throws -> Bool {
                try await client.send(.get, "/metrics").text.contains("\nshedding_active 1")
            }
            #expect(try await shedding() == false)
            let (token, _) = try await client.signup()
            for name in ["A", "B", "C"] { _ = try await client.createPersona(token: token, name: name) }
            let room = try await client.firstRoom(token: token).id
            let templ = try #require(
                try await client.send(
                    .post, "/templates", token: token,
                    json: #"{"name":"Long","prompt_rules":"x","turn_count":8,"word_limit":40,"is_public":true}"#
                ).jsonObject?["id"] as? String)
            _ = try await client.createBattle(token: token, room: room, json: #"{"topic":"Deep queue","template_id":"\#(templ)"}"#)
            // The queue depth is sampled in the background: wait for it, however long a loaded machine takes.
            let on = try await eventually(every: 0.1) { try await shedding() }
            #expect(on, "3 queued jobs exceed SHED_QUEUE_DEPTH=2")
            let r = try await client.send(.post, "/p/nobody/follow")
            #expect(r.header("RateLimit-Limit") == "5", "anonymous public writes get half the limit while shedding")
            #expect(
                try await client.send(.post, "/p/nobody/follow", token: token).header("RateLimit-Limit") == "10",
                "signed-in callers keep the full limit")
            #expect(try await client.send(.get, "/templates").header("RateLimit-Limit") == "120", "reads are never shed")
            try await TestDatabase.open(dir).execute("UPDATE jobs SET status = 'DONE'")
            let off = try await eventually(every: 0.1) { try await !shedding() }
            #expect(off, "shedding ends once the queue drains")
        }
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
