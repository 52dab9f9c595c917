import Domain
import Foundation
import PostgresNIO
import Storage

/// Battle creation and the public battle reads (card, meta, remix intent).
extension PostgresStore {
    /// Creates a battle in one transaction: the published post, its reply jobs (the caller's first personas, 2 or 3 by
    /// the template's turn count; one at its quota is skipped, not replaced), the notifications and the events. A remix
    /// token already redeemed throws `remixTokenUsed` and the transaction writes nothing. On the connection's event loop
    /// (`write(onConnectionLoop:)`), as every enqueue.
    public func createBattle(_ draft: BattleDraft, now: Timestamp) async throws -> CreatedBattle {
        let user = try StoreID.known(draft.userID)
        let room = try StoreID.known(draft.roomID)
        return try await write(onConnectionLoop: true) { db in
            let template: BattleTemplate
            if let id = draft.templateID {
                guard let templateID = StoreID.parse(id), let found = try await Self.usableTemplate(db, id: templateID, userID: user) else {
                    throw DomainError.templateUnavailable
                }
                template = found
            } else {
                guard let found = try await Self.defaultTemplate(db) else { throw DomainError.noDefaultTemplate }
                template = found
            }
            let content = BattleRules.content(
                topic: draft.topic, templateName: template.name, pro: draft.proStyle, con: draft.conStyle, maxLength: draft.draftMaxLength)
            let postID = UUID()
            let post = Post(
                id: postID.lower, roomID: draft.roomID, personaID: nil, personaName: nil, userID: draft.userID, authoredBy: .human,
                status: .published, content: content, createdAt: now, updatedAt: now)
            let templateID = try StoreID.known(template.id)
            try await db.execute(
                """
                INSERT INTO posts(id, room_id, persona_id, user_id, authored_by, status, content, published_at, created_at, updated_at, template_id)
                VALUES (\(postID), \(room), NULL, \(user), 'HUMAN', 'PUBLISHED', \(content), \(now), \(now), \(now), \(templateID))
                """)
            if let owner = template.ownerUserID {
                try await Self.notify(db, .templateUsed(owner: owner, creator: draft.userID, template: template, battleID: post.id), now: now)
            }
            try await Self.insertEvent(
                db, userID: user, name: "battle_created",
                metadataJSON: StoredJSON.object(["battle_id": post.id, "room_id": draft.roomID, "template_id": template.id]), now: now)
            if let source = draft.remixOf {
                if let tokenID = draft.remixTokenID {
                    let redeemed = try await db.execute(
                        """
                        INSERT INTO remix_redemptions(token_id, battle_id, created_at) VALUES (\(tokenID), \(postID), \(now)) ON CONFLICT DO NOTHING
                        """)
                    guard redeemed > 0 else { throw DomainError.remixTokenUsed }
                }
                if let sourceID = StoreID.parse(source),
                    let sourceOwner = try await db.value("SELECT user_id::text FROM posts WHERE id = \(sourceID)", as: String.self)
                {
                    try await Self.notify(
                        db,
                        .battleRemixed(
                            owner: sourceOwner, creator: draft.userID, roomName: draft.roomName, sourceBattleID: source, battleID: post.id),
                        now: now)
                }
                try await Self.insertEvent(
                    db, userID: user, name: "remix_completed",
                    metadataJSON: StoredJSON.object([
                        "battle_id": post.id, "source_battle_id": source, "room_id": draft.roomID, "template_id": template.id,
                    ]), now: now)
            }

            // The reply jobs last: enqueueing locks the personas' rows until the commit, so the other writes above do
            // not lengthen the turn every concurrent enqueue for these personas waits for.
            let personas = try await db.column(
                "SELECT id::text FROM personas WHERE user_id = \(user) ORDER BY created_at ASC, id ASC LIMIT 3", as: String.self)
            var extra = ["template_id": template.id]
            if !draft.traceID.isEmpty { extra["trace_id"] = draft.traceID }
            let enqueued = try await Self.enqueueReplyJobs(
                db, postID: postID, personaIDs: Array(personas.prefix(TemplateRules.replyCount(turnCount: template.turnCount))),
                userID: user, payloadExtra: extra, maxAttempts: draft.maxAttempts, now: now
            ).enqueued
            return CreatedBattle(post: post, template: template, enqueued: enqueued)
        }
    }

    /// A PUBLISHED post with its room, template and (when `withReplies`) replies; nil when missing or unpublished.
    public func publicBattle(id: String, withReplies: Bool) async throws -> PublicBattle? {
        guard let postID = StoreID.parse(id) else { return nil }
        let body: @Sendable (Connection) async throws -> PublicBattle? = { db in
            guard
                let row = try await db.rows(
                    """
                    SELECT \(unescaped: Self.postColumns), rm.name, p.template_id::text, t.name
                    FROM posts p JOIN rooms rm ON rm.id = p.room_id LEFT JOIN personas pe ON pe.id = p.persona_id
                    LEFT JOIN templates t ON t.id = p.template_id
                    WHERE p.id = \(postID) AND p.status = 'PUBLISHED'
                    """
                ).first
            else { return nil }
            let replies = withReplies ? try await Self.replies(db, postID: postID) : []
            let (_, _, _, _, _, _, _, _, _, _, roomName, templateID, templateName) = try row.decode(
                (String, String, String?, String?, String, String, String, String, Timestamp, Timestamp, String, String?, String?).self)
            return PublicBattle(
                post: try Self.post(from: row), roomName: roomName, templateID: templateID, templateName: templateName, replies: replies)
        }
        return withReplies ? try await read(body) : try await quick(body)
    }

    /// Inserts a notification unless the recipient is blank or is the actor (nobody is notified of their own act).
    static func notify(_ db: Connection, _ notice: Notice, now: Timestamp) async throws {
        guard !notice.recipient.isEmpty, notice.recipient != notice.actor else { return }
        let recipient = try StoreID.known(notice.recipient)
        try await db.execute(
            """
            INSERT INTO notifications(user_id, actor_user_id, type, title, body, metadata, created_at)
            VALUES (\(recipient), \(StoreID.parse(notice.actor)), \(notice.kind.rawValue), \(notice.title.truncatedRunes(120)),
              \(notice.body.truncatedRunes(260)), \(JSONB(StoredJSON.object(notice.metadata))), \(now))
            """)
    }
}
