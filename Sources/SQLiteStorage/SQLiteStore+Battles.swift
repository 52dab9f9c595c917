import Domain
import GRDB
import Storage

/// Battle creation and the public battle reads (card, meta, remix intent).
extension SQLiteStore {
    /// Creates a battle in one transaction: the published post, its reply jobs (the caller's first personas, 2 or 3
    /// by the template's turn count; one at its quota is skipped, not replaced), the notifications and the events.
    public func createBattle(_ draft: BattleDraft, now: Timestamp) async throws -> CreatedBattle {
        try await write { db in
            let template: BattleTemplate
            if let id = draft.templateID {
                guard let found = try Self.usableTemplate(db, id: id, userID: draft.userID) else { throw DomainError.templateUnavailable }
                template = found
            } else {
                guard let found = try Self.defaultTemplate(db) else { throw DomainError.noDefaultTemplate }
                template = found
            }
            let content = BattleRules.content(
                topic: draft.topic, templateName: template.name, pro: draft.proStyle, con: draft.conStyle,
                maxLength: draft.draftMaxLength)
            let post = Post(
                id: Identifiers.newUUID(), roomID: draft.roomID, personaID: nil, personaName: nil, userID: draft.userID,
                authoredBy: .human, status: .published, content: content, createdAt: now, updatedAt: now)
            let ts = now.storageString
            try db.cachedStatement(
                sql: """
                    INSERT INTO posts(id, room_id, persona_id, user_id, authored_by, status, content, published_at, created_at, updated_at, template_id)
                    VALUES (?, ?, NULL, ?, 'HUMAN', 'PUBLISHED', ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [post.id, draft.roomID, draft.userID, content, ts, ts, ts, template.id])

            let personas = try String.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id FROM personas WHERE user_id = ? ORDER BY created_at ASC, id ASC LIMIT 3
                        """), arguments: [draft.userID])
            var extra = ["template_id": template.id]
            if !draft.traceID.isEmpty { extra["trace_id"] = draft.traceID }
            let enqueued = try Self.enqueueReplyJobs(
                db, postID: post.id, personaIDs: Array(personas.prefix(TemplateRules.replyCount(turnCount: template.turnCount))),
                userID: draft.userID, payloadExtra: extra, maxAttempts: draft.maxAttempts, now: now
            ).enqueued

            if let owner = template.ownerUserID {
                try Self.notify(db, .templateUsed(owner: owner, creator: draft.userID, template: template, battleID: post.id), now: now)
            }
            try Self.insertEvent(
                db, userID: draft.userID, name: "battle_created",
                metadataJSON: StoredJSON.object(["battle_id": post.id, "room_id": draft.roomID, "template_id": template.id]), now: now)
            if let source = draft.remixOf {
                if let tokenID = draft.remixTokenID {
                    try db.cachedStatement(
                        sql: "INSERT INTO remix_redemptions(token_id, battle_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
                    )
                    .execute(arguments: [tokenID, post.id, ts])
                    guard db.changesCount > 0 else { throw DomainError.remixTokenUsed }
                }
                if let sourceOwner = try String.fetchOne(db.cachedStatement(sql: "SELECT user_id FROM posts WHERE id = ?"), arguments: [source]) {
                    try Self.notify(
                        db,
                        .battleRemixed(
                            owner: sourceOwner, creator: draft.userID, roomName: draft.roomName,
                            sourceBattleID: source, battleID: post.id), now: now)
                }
                try Self.insertEvent(
                    db, userID: draft.userID, name: "remix_completed",
                    metadataJSON: StoredJSON.object([
                        "battle_id": post.id, "source_battle_id": source, "room_id": draft.roomID, "template_id": template.id,
                    ]), now: now)
            }
            return CreatedBattle(post: post, template: template, enqueued: enqueued)
        }
    }

    /// A PUBLISHED post with its room, template and (when `withReplies`) replies; nil when missing or unpublished.
    public func publicBattle(id: String, withReplies: Bool) async throws -> PublicBattle? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT \(Self.postColumns), rm.name AS room_name, p.template_id, t.name AS template_name
                            FROM posts p JOIN rooms rm ON rm.id = p.room_id LEFT JOIN personas pe ON pe.id = p.persona_id
                            LEFT JOIN templates t ON t.id = p.template_id
                            WHERE p.id = ? AND p.status = 'PUBLISHED'
                            """), arguments: [id])
            else { return nil }
            let replies = withReplies ? try Self.replies(db, postID: id) : []
            return PublicBattle(
                post: Self.post(from: row), roomName: row["room_name"], templateID: row["template_id"],
                templateName: row["template_name"], replies: replies)
        }
    }

    /// The replies of a post, oldest first, with persona names.
    static func replies(_ db: Database, postID: String) throws -> [Reply] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT r.id, r.post_id, r.persona_id, pe.name AS persona_name, r.authored_by, r.content, r.created_at, r.updated_at
                    FROM replies r LEFT JOIN personas pe ON pe.id = r.persona_id
                    WHERE r.post_id = ? ORDER BY r.created_at ASC, r.id ASC
                    """), arguments: [postID]
        ).map(Self.reply(from:))
    }
}
