import Domain
import Storage
import Worker

/// Battle creation, the public battle views (meta, remix intent) and the data the share card is drawn from.
struct BattleService: Sendable {
    let store: any BattleStore & PostStore
    let clock: any AppClock
    let config: AppConfig
    let signal: any WakeUpNotifier
    /// A new battle is a published post of its first persona: its public profile changes.
    let caches: any CacheInvalidator
    let remixTokens: RemixTokenService
    let events: EventRecorder

    /// A battle-creation request after decoding.
    struct CreateRequest: Sendable {
        var topic: String
        var templateID: String
        var remixToken: String
        var proStyle: String
        var conStyle: String
    }

    /// What `POST /rooms/{id}/battles` answers with.
    struct Created: Sendable {
        let battle: CreatedBattle
        let roomName: String
        let remixUsed: Bool
    }

    func create(roomID: String, userID: String, requestID: String, body: () async throws -> CreateRequest) async throws -> Created {
        let room: Room?
        do { room = try await store.room(id: roomID) } catch { throw error.asInternal("could not load room") }
        guard let room else { throw DomainError.notFound("room not found") }
        var request = try await body()
        if !request.templateID.trimmingWhitespace().isEmpty {
            request.templateID = try Identifiers.uuid(request.templateID, label: "template id")
        }
        var remix: (source: String, tokenID: String)?
        if !request.remixToken.trimmingWhitespace().isEmpty {
            let (intent, tokenID) = try await remixTokens.verify(request.remixToken.trimmingWhitespace())
            guard intent.roomID.lowercased() == room.id else { throw DomainError.invalid("remix_token does not match room") }
            if request.topic.trimmingWhitespace().isEmpty { request.topic = intent.topic }
            if request.templateID.trimmingWhitespace().isEmpty { request.templateID = intent.templateID.lowercased() }
            if request.proStyle.trimmingWhitespace().isEmpty { request.proStyle = intent.proStyle }
            if request.conStyle.trimmingWhitespace().isEmpty { request.conStyle = intent.conStyle }
            remix = (intent.battleID.lowercased(), tokenID)
        }
        let topic = try BattleRules.topic(request.topic)
        let template = request.templateID.trimmingWhitespace()
        let draft = BattleDraft(
            roomID: room.id, roomName: room.name, userID: userID, topic: topic,
            proStyle: BattleRules.style(request.proStyle, default: BattleRules.defaultProStyle),
            conStyle: BattleRules.style(request.conStyle, default: BattleRules.defaultConStyle),
            templateID: template.isEmpty ? nil : template, remixOf: remix?.source, remixTokenID: remix?.tokenID,
            draftMaxLength: config.draftMaxLen, maxAttempts: config.jobMaxAttempts, traceID: requestID)
        let battle: CreatedBattle
        do { battle = try await store.createBattle(draft, now: clock.now()) } catch { throw error.asInternal("could not create battle") }
        if battle.enqueued > 0 { signal.jobsEnqueued(battle.enqueued) }
        await caches.publicDataChanged()
        return Created(battle: battle, roomName: room.name, remixUsed: remix != nil)
    }

    /// A published battle, or `battle not found`; `failure` is the route's 500 message.
    func publicBattle(_ id: String, withReplies: Bool, failure: String) async throws -> PublicBattle {
        let found: PublicBattle?
        do { found = try await store.publicBattle(id: id, withReplies: withReplies) } catch { throw error.asInternal(failure) }
        guard let found else { throw DomainError.notFound("battle not found") }
        return found
    }

    /// The share metadata of a battle; records `public_battle_viewed`.
    func meta(_ id: String, viewer: Viewer) async throws -> (battle: PublicBattle, topic: String) {
        let battle = try await publicBattle(id, withReplies: false, failure: "could not load battle")
        recordView(battle, viewer: viewer)
        return (battle, BattleTopic.capped(battle.post.content))
    }

    /// `public_battle_viewed`, for the meta route and the battle page alike.
    func recordView(_ battle: PublicBattle, viewer: Viewer) {
        events.record(viewer, name: EventName.publicBattleViewed, metadata: ["battle_id": battle.post.id, "room_id": battle.post.roomID])
    }

    /// A remix intent: prefilled fields, template suggestions and a signed single-use token; records `remix_started`.
    func remixIntent(_ id: String, viewer: Viewer) async throws -> RemixIntentView {
        let battle = try await publicBattle(id, withReplies: false, failure: "could not load battle")
        let suggestions: [BattleTemplate]
        do { suggestions = try await store.remixSuggestions(battleTemplateID: battle.templateID) } catch {
            throw error.asInternal("could not load templates")
        }
        let topic = BattleTopic.capped(battle.post.content)
        let intent = RemixIntent(
            battleID: battle.post.id, roomID: battle.post.roomID, topic: topic, proStyle: BattleRules.remixProStyle,
            conStyle: BattleRules.remixConStyle, templateID: battle.templateID ?? suggestions.first?.id ?? "")
        let token: (token: String, expires: Timestamp)
        do { token = try await remixTokens.issue(intent) } catch { throw error.asInternal("could not create remix intent") }
        events.record(viewer, name: "remix_started", metadata: ["battle_id": battle.post.id, "room_id": battle.post.roomID])
        return RemixIntentView(battle: battle, topic: topic, suggestions: suggestions, token: token.token, expires: token.expires)
    }

    struct RemixIntentView: Sendable {
        let battle: PublicBattle
        let topic: String
        let suggestions: [BattleTemplate]
        let token: String
        let expires: Timestamp
    }
}

extension BattleService {
    /// The `pw_remix_intent` cookie carrying `token`, or the one that clears it (nil).
    func remixCookie(token: String?) -> String {
        let secure = config.secureCookies ? "; Secure" : ""
        guard let token else { return "pw_remix_intent=; Path=/; Max-Age=0; HttpOnly\(secure); SameSite=Lax" }
        return "pw_remix_intent=\(token); Path=/; Max-Age=\(RemixIntent.lifetimeSeconds); HttpOnly\(secure); SameSite=Lax"
    }
}
