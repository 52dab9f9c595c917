import Domain
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// One open `GET /posts/{id}/events` stream (Server-Sent Events): the thread as an `event: thread` at once and
/// again whenever it changes, a `: heartbeat` comment line every `EVENT_STREAM_HEARTBEAT`, and an `event: end`
/// before it closes. The signed-in user's unread-notification count goes out as `event: unread` whenever it
/// changes (checked on every tick), so the page's navigation badge follows without a reload.
///
/// It reads the store when the worker in this process stores a reply to the post (`ThreadNotifier`), and every
/// `EVENT_STREAM_POLL_EVERY` (a reply written by another process). On every tick (the shorter of the heartbeat
/// and the poll) it checks that the session is still valid. A changed thread is sent at once with the summary
/// shown so far, then again with the new summary once it is written. It ends with `event: end` and a reason:
/// - `logged_out`: the session was logged out (or the user deleted) — revocable sessions end streams too;
/// - `gone`: the post went away or is no longer readable by this user;
/// - `lifetime`: open for `eventStreamEffectiveLifetime` (below `API_WRITE_TIMEOUT`, whose deadline covers the
///   whole response); the browser's `EventSource` then reconnects after the `retry:` delay;
/// - `shutdown`: `serve` is shutting down gracefully, so the server's drain does not wait for the stream.
struct ThreadEventStream: Sendable {
    struct Settings: Sendable {
        var heartbeat: Double
        var pollEvery: Double
        var lifetime: Double
        /// The `retry:` the browser waits before reconnecting, in milliseconds.
        var retryMillis = 2_000
    }

    enum EndReason: String, Sendable { case loggedOut = "logged_out", gone, lifetime, shutdown }

    private enum Wake: Sendable { case reply, tick, shutdown }

    let postID: String
    let userID: String
    let token: String
    let posts: PostService
    let auth: AuthService
    /// Taken before the first thread was read, so no reply falls between the two.
    let subscription: ThreadSubscription
    let settings: Settings

    /// Writes the stream until it ends; `first` is the thread view loaded before the response started (so a
    /// missing or forbidden post is an ordinary JSON error, not a stream).
    func run(first: ThreadDTO, version: String, writer: inout any ResponseBodyWriter) async throws {
        // The count the page was rendered with is the baseline; read before the first event, so a change the client
        // causes after seeing it is never taken for the baseline.
        var unread = (try? await auth.accountSummary(userID: userID))??.unread
        try await writer.write(Self.buffer("retry: \(settings.retryMillis)\n\n" + Self.threadEvent(first)))
        var summary = first.aiSummary
        let (inbox, wake) = AsyncStream<Wake>.makeStream(bufferingPolicy: .bufferingNewest(4))
        let replies = subscription.wakeUps
        let tick = min(settings.pollEvery, settings.heartbeat)
        let sources = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in replies { wake.yield(.reply) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(tick))
                        wake.yield(.tick)
                    }
                }
            }
        }
        defer {
            sources.cancel()
            wake.finish()
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(settings.lifetime))
        var nextHeartbeat = clock.now.advanced(by: .seconds(settings.heartbeat))
        var nextPoll = clock.now.advanced(by: .seconds(settings.pollEvery))
        var version = version
        var reason = EndReason.shutdown
        try await withGracefulShutdownHandler {
            loop: for await event in inbox {
                if event == .shutdown { break loop }
                let now = clock.now
                if now >= deadline {
                    reason = .lifetime
                    break loop
                }
                // Every tick: is the session still valid (sessions are revocable; the check is cached briefly)?
                if event == .tick {
                    do { _ = try await auth.authenticate(token: token) } catch {
                        reason = .loggedOut
                        break loop
                    }
                    if let count = (try? await auth.accountSummary(userID: userID))??.unread, count != unread {
                        unread = count
                        try await writer.write(Self.buffer(Self.unreadEvent(count)))
                    }
                }
                // The store is read when the worker announced a reply, or when the poll is due.
                if event == .reply || now >= nextPoll {
                    nextPoll = now.advanced(by: .seconds(settings.pollEvery))
                    do {
                        let current = try await posts.threadSnapshot(postID: postID, userID: userID)
                        if current.version != version {
                            version = current.version
                            // The replies at once with the summary shown so far; the new summary (an LLM call
                            // on a cache miss) follows as another event when it differs.
                            try await writer.write(Self.buffer(Self.threadEvent(ThreadDTO((current.post, current.replies, summary)))))
                            let fresh = await posts.summary(post: current.post, replies: current.replies)
                            if fresh != summary {
                                summary = fresh
                                try await writer.write(Self.buffer(Self.threadEvent(ThreadDTO((current.post, current.replies, fresh)))))
                            }
                            nextHeartbeat = clock.now.advanced(by: .seconds(settings.heartbeat))
                        }
                    } catch let error as DomainError {
                        // Not found or forbidden ends the stream; a store hiccup (500) keeps it for the next look.
                        if error.httpStatus != .internalServerError {
                            reason = .gone
                            break loop
                        }
                    }
                }
                if clock.now >= nextHeartbeat {
                    try await writer.write(Self.buffer(": heartbeat\n\n"))
                    nextHeartbeat = clock.now.advanced(by: .seconds(settings.heartbeat))
                }
            }
        } onGracefulShutdown: {
            wake.yield(.shutdown)
        }
        try await writer.write(Self.buffer("event: end\ndata: {\"reason\":\"\(reason.rawValue)\"}\n\n"))
        try await writer.finish(nil)
    }

    /// `event: thread` with the thread view as one JSON line (the same body as `GET /posts/{id}/thread`; JSON
    /// escapes newlines inside strings, so the data is one line).
    static func threadEvent(_ view: ThreadDTO) -> String {
        var json = String(decoding: JSONOutput.body(view), as: UTF8.self)
        while json.last == "\n" { json.removeLast() }
        return "event: thread\ndata: \(json)\n\n"
    }

    /// `event: unread` with the count the navigation shows (`unread_count`, as `GET /notifications` names it).
    static func unreadEvent(_ count: Int) -> String { "event: unread\ndata: {\"unread_count\":\(count)}\n\n" }

    static func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}

extension ThreadDTO {
    init(_ view: (post: Post, replies: [Reply], summary: String)) {
        self.init(post: PostDTO(view.post), replies: view.replies.map(ReplyDTO.init), aiSummary: view.summary)
    }
}
