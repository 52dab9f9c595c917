import Domain
import HTTPTypes
import Hummingbird
import Synchronization

/// `GET /posts/{id}/events`: the thread of a post as Server-Sent Events (`ThreadEventStream`), for the thread
/// and battle pages, which fall back to polling `GET /posts/{id}/thread` when the stream fails. Behind auth
/// like the thread itself (bearer token or the session cookie; a GET needs no CSRF token), with the same
/// access rule, answered as JSON errors before the stream starts; `EVENT_STREAMS_PER_USER` open streams per
/// user (`429 too many open event streams`).
struct PostEventsController: Sendable {
    let posts: PostService
    let auth: AuthService
    let notifier: any ThreadNotifier
    let limiter: EventStreamLimiter
    let settings: ThreadEventStream.Settings

    func addRoutes(to routes: RouteGroups) {
        routes.protected.on(.get, "/posts/{id}/events", use: events)
    }

    @Sendable func events(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let postID = try Identifiers.uuid(context.pathParameter("id"), label: "post id")
        guard let token = AuthMiddleware.presentedToken(request) else { throw DomainError.unauthorized("missing auth header") }
        let subscription = notifier.subscribe(postID: postID)
        let snapshot = try await posts.threadSnapshot(postID: postID, userID: user)
        let first = ThreadDTO((snapshot.post, snapshot.replies, await posts.summary(post: snapshot.post, replies: snapshot.replies)))
        let version = snapshot.version
        var headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
        ]
        // A buffering reverse proxy (nginx) would hold the events back.
        if let accel = HTTPField.Name("X-Accel-Buffering") { headers[accel] = "no" }
        if request.method == .head { return Response(status: .ok, headers: headers) }
        let lease = try StreamLease.acquire(limiter: limiter, userID: user)
        let stream = ThreadEventStream(
            postID: postID, userID: user, token: token, posts: posts, auth: auth, subscription: subscription, settings: settings)
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                defer { lease.release() }
                try await stream.run(first: first, version: version, writer: &writer)
            })
    }
}

/// One counted stream of a user: released when the body ends, or, if the body is never written (the client went
/// away before the response started), when the response and with it this lease are dropped.
final class StreamLease: Sendable {
    private let limiter: EventStreamLimiter
    private let userID: String
    private let released = Mutex(false)

    /// Takes one of the user's stream places, or throws the limiter's error. A factory rather than a throwing
    /// initialiser: the release build's optimiser crashes on a class initialiser that throws before its stored
    /// properties are set (Swift 6.2, CopyPropagation).
    static func acquire(limiter: EventStreamLimiter, userID: String) throws -> StreamLease {
        try limiter.acquire(userID: userID)
        return StreamLease(limiter: limiter, userID: userID)
    }

    private init(limiter: EventStreamLimiter, userID: String) {
        self.limiter = limiter
        self.userID = userID
    }

    func release() {
        let first = released.withLock { done in
            defer { done = true }
            return !done
        }
        if first { limiter.release(userID: userID) }
    }

    deinit { release() }
}
