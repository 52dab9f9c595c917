import Foundation
import TestSupport
import Testing

/// `GET /posts/{id}/events` on the real binary: the worker's reply reaches an open stream through the in-process
/// notifier (the store poll is set to a minute, so it cannot be what delivered it, and the client sends no other
/// request), the per-user cap, the end on logout and on a graceful shutdown.
@Suite(.serialized) struct EventStreamProcessTests {
    /// A poll of a minute: within the test, only the worker's wake-up can deliver a reply. Heartbeat every
    /// 500 ms, which is also how often the session is checked. The write timeout is raised so the lifetime
    /// (below it) outlasts the test.
    static let environment = [
        "MOCK_LLM_LATENCY": "1500ms", "WORKER_POLL_EVERY": "200ms", "EVENT_STREAM_POLL_EVERY": "60s",
        "EVENT_STREAM_HEARTBEAT": "500ms", "EVENT_STREAM_LIFETIME": "90s", "API_WRITE_TIMEOUT": "120s",
        "EVENT_STREAMS_PER_USER": "2",
    ]

    /// A signed-up user and a battle; with `replying`, the user has a persona before the battle, so its one reply
    /// is being written (1.5 s of mock latency); without, no reply is queued until `generateReplies`.
    static func battle(_ server: ServerProcess, _ email: String, replying: Bool = true) async throws -> (token: String, post: String) {
        let token = try await BattleProcessTests.signup(server, email)
        if replying { try await persona(server, token: token) }
        let room = try await BattleProcessTests.room(server, token: token)
        let created = try await server.request("POST", "/rooms/\(room)/battles", json: #"{"topic":"Streams or polls?"}"#, token: token)
        #expect(created.status == 201 && created.body.contains(#""enqueued_replies":\#(replying ? 1 : 0)"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any])
        return (token, try #require(object["battle_id"] as? String))
    }

    static func persona(_ server: ServerProcess, token: String) async throws {
        let persona = try await server.request(
            "POST", "/personas", json: #"{"name":"Ada","writing_samples":["a","b","c"],"preferred_language":"en"}"#, token: token)
        #expect(persona.status == 201)
    }

    static func replies(_ event: EventStreamClient.Event) -> [[String: Any]] {
        let object = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any]
        return object?["replies"] as? [[String: Any]] ?? []
    }

    @Test func aReplyWrittenByTheWorkerReachesAnOpenStreamWithinASecondWithoutPolling() async throws {
        let server = try await ServerProcess(directory: TestDirectory(), environment: Self.environment)
        // The reply is queued only once the stream shows the thread without it, whatever the machine's speed.
        let (token, post) = try await Self.battle(server, "stream-reply@example.com", replying: false)
        try await Self.persona(server, token: token)
        let stream = try #require(EventStreamClient(port: server.port, postID: post, token: token))
        #expect(stream.waitForHead(timeout: 10) == 200)
        #expect(stream.head.lowercased().contains("content-type: text/event-stream"))
        let first = try #require(stream.next(timeout: 10))
        #expect(first.name == "thread" && Self.replies(first).isEmpty, "the stream starts with the thread as it is")
        #expect(try await server.request("POST", "/posts/\(post)/generate-replies", token: token).body.contains(#""enqueued":1"#))

        let update = try #require(stream.next(timeout: 30), "the reply arrives long before the minute's poll")
        #expect(update.name == "thread")
        let reply = try #require(Self.replies(update).first)
        // The reply's own timestamp against this machine's clock when the event arrived: the issue's bound of
        // one second for a path (worker → notifier → stream) that takes milliseconds.
        let written = try #require((reply["created_at"] as? String).flatMap(Self.date))
        let lag = Date().timeIntervalSince(written) - (LoopbackSocket.now() - update.arrived)
        print("event stream: the reply reached the open stream \(Int(lag * 1000)) ms after it was written")
        #expect(lag < 1.0, "reply reached the stream \(lag) s after it was written")
        // Then a quiet stream carries heartbeat comment lines (every 500 ms here; the summary event may come first).
        let quiet = LoopbackSocket.now() + 5
        while !stream.received.contains(": heartbeat"), LoopbackSocket.now() < quiet { _ = stream.next(timeout: 0.5) }
        #expect(stream.received.contains(": heartbeat"), "heartbeat comment lines keep the stream alive")
        #expect(await server.stop() == 0)
    }

    @Test func aUserMayHoldTwoStreamsTheThirdIs429AndClosingOneFreesItsPlace() async throws {
        let server = try await ServerProcess(directory: TestDirectory(), environment: Self.environment)
        let (token, post) = try await Self.battle(server, "stream-cap@example.com")
        var open: [EventStreamClient] = []
        for _ in 0..<2 {
            let stream = try #require(EventStreamClient(port: server.port, postID: post, token: token))
            #expect(stream.waitForHead(timeout: 10) == 200)
            open.append(stream)
        }
        let third = try #require(EventStreamClient(port: server.port, postID: post, token: token))
        #expect(third.waitForHead(timeout: 10) == 429)
        _ = third.next(timeout: 1)
        #expect(third.received.contains(#"{"error":"too many open event streams"}"#))
        // Another user is not counted against this one.
        let (other, otherPost) = try await Self.battle(server, "stream-cap-other@example.com")
        let theirs = try #require(EventStreamClient(port: server.port, postID: otherPost, token: other))
        #expect(theirs.waitForHead(timeout: 10) == 200)

        // A closed stream is noticed at its next heartbeat write (500 ms) and its place is free again.
        open.removeFirst()
        var status = 0
        for _ in 0..<40 where status != 200 {
            try await Task.sleep(nanoseconds: 250_000_000)
            let again = try #require(EventStreamClient(port: server.port, postID: post, token: token))
            status = again.waitForHead(timeout: 10)
            if status == 200 { open.append(again) }
        }
        #expect(status == 200)
        #expect(await server.stop() == 0)
    }

    @Test func loggingOutEndsTheSessionsStreamAndShutdownEndsTheOthers() async throws {
        let server = try await ServerProcess(directory: TestDirectory(), environment: Self.environment)
        let (token, post) = try await Self.battle(server, "stream-logout@example.com")
        let stream = try #require(EventStreamClient(port: server.port, postID: post, token: token))
        #expect(stream.waitForHead(timeout: 10) == 200)
        #expect(stream.next(timeout: 10)?.name == "thread")
        #expect(try await server.request("POST", "/auth/logout", token: token).status == 204)
        var end: EventStreamClient.Event?
        while end == nil, let event = stream.next(timeout: 10) {
            if event.name == "end" { end = event }
        }
        #expect(end?.data == #"{"reason":"logged_out"}"#)

        // A stream open at SIGTERM ends with `shutdown` and the server exits without waiting for it.
        let second = try await BattleProcessTests.signup(server, "stream-shutdown@example.com")
        let open = try #require(EventStreamClient(port: server.port, postID: post, token: second))
        #expect(open.waitForHead(timeout: 10) == 200)
        #expect(await server.stop() == 0)
        var last: EventStreamClient.Event?
        while let event = open.next(timeout: 5) { last = event }
        #expect(last?.data == #"{"reason":"shutdown"}"#)
    }

    @Test func aReplyWrittenByAnotherProcessArrivesThroughTheStoresPoll() async throws {
        let dir = TestDirectory()
        var env = Self.environment
        env["EVENT_STREAM_POLL_EVERY"] = "500ms"
        // The web process runs no worker; a `serve --worker-only` process on the same database writes the reply,
        // so no in-process wake-up can happen and only the stream's own poll of the store finds it.
        let server = try await ServerProcess(directory: dir, environment: env, arguments: ["serve", "--no-worker"])
        let (token, post) = try await Self.battle(server, "stream-other-process@example.com")
        let stream = try #require(EventStreamClient(port: server.port, postID: post, token: token))
        #expect(stream.waitForHead(timeout: 10) == 200)
        #expect(stream.next(timeout: 10).map(Self.replies)?.isEmpty == true)
        var workerEnv = env
        workerEnv["WORKER_OBSERVABILITY_PORT"] = "0"
        let worker = try QueueProcessTests.launch(["serve", "--worker-only"], dir: dir, env: workerEnv, log: dir.path + "/worker.log")
        var replies: [[String: Any]] = []
        while replies.isEmpty, let event = stream.next(timeout: 30) { replies = Self.replies(event) }
        #expect(replies.count == 1)
        await worker.stop()
        #expect(await server.stop() == 0)
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
}

/// The unread-notification count rides on the same stream, so the navigation badge follows without a reload.
@Suite(.serialized) struct EventStreamUnreadProcessTests {
    @Test func aNewNotificationSendsTheUnreadCountOnTheOpenStream() async throws {
        let server = try await ServerProcess(directory: TestDirectory(), environment: EventStreamProcessTests.environment)
        let (owner, post) = try await EventStreamProcessTests.battle(server, "stream-unread@example.com", replying: false)
        let personas = try await server.request(
            "POST", "/personas", json: #"{"name":"Grace","writing_samples":["a","b","c"],"preferred_language":"en"}"#, token: owner)
        let persona = try #require((try JSONSerialization.jsonObject(with: Data(personas.body.utf8)) as? [String: Any])?["id"] as? String)
        #expect(try await server.request("POST", "/personas/\(persona)/publish-profile", json: #"{"slug":"grace"}"#, token: owner).status == 200)
        let stream = try #require(EventStreamClient(port: server.port, postID: post, token: owner))
        #expect(stream.waitForHead(timeout: 10) == 200)
        #expect(try #require(stream.next(timeout: 10)).name == "thread")
        #expect(!stream.received.contains("event: unread"), "no count is sent while it is what the page shows")

        let fan = try await BattleProcessTests.signup(server, "stream-fan@example.com")
        #expect(try await server.request("POST", "/p/grace/follow", token: fan).status == 200)
        var unread: EventStreamClient.Event?
        while unread == nil, let event = stream.next(timeout: 30) {
            if event.name == "unread" { unread = event }
        }
        let event = try #require(unread, "the follow's notification changes the owner's unread count on the open stream")
        #expect(event.data == #"{"unread_count":1}"#)
        #expect(await server.stop() == 0)
    }
}
