import Domain
import Hummingbird
import Storage

/// `POST /events`: first-party analytics. A 202 is sent only once the event is durable: it rides the
/// group-commit batcher and the request waits for its batch's commit.
struct EventsController: Sendable {
    let events: EventRecorder
    let limits: BodyLimits
    let clock: any AppClock

    func addRoutes(to routes: RouteGroups) {
        routes.events.on(.post, "/events", use: record)
    }

    @Sendable func record(_ request: Request, context: AppRequestContext) async throws -> JSONResult<OKDTO> {
        let body = try await request.decodeStrict(EventRequest.self, limit: limits.publicRoutes)
        guard let name = EventName.normalizeClient(body.eventName) else { throw DomainError.invalid("unsupported event_name") }
        let event = EventRecord(
            userID: context.userID, actor: events.actor(of: context.viewer), name: name,
            metadataJSON: MetadataSanitizer.encode(MetadataSanitizer.sanitize(body.metadata)),
            createdAt: clock.now())
        do { try await events.recordDurably(event) } catch { throw error.asInternal("could not record event") }
        return JSONResult(OKDTO(ok: true), status: .accepted)
    }
}

/// `POST /events` body (strict): `metadata` must be an object (or null) when present.
struct EventRequest: StrictDecodable {
    static let fieldNames = ["event_name", "metadata"]
    let eventName: String
    let metadata: JSONValue?

    init(_ r: JSONObjectReader) throws {
        eventName = try r.string("event_name")
        metadata = try r.object("metadata")
    }
}
