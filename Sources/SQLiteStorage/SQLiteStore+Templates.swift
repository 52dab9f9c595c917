import Domain
import GRDB
import Storage

/// Battle templates.
extension SQLiteStore {
    static let templateColumns = "id, owner_user_id, name, prompt_rules, turn_count, word_limit, created_at, is_public"

    static func template(from row: Row) -> BattleTemplate {
        BattleTemplate(
            id: row["id"], ownerUserID: row["owner_user_id"], name: row["name"], promptRules: row["prompt_rules"],
            turnCount: row["turn_count"], wordLimit: row["word_limit"], createdAt: timestamp(row["created_at"]),
            isPublic: row["is_public"])
    }

    /// Public templates, newest first (id breaks ties), at most `limit`.
    public func publicTemplates(limit: Int) async throws -> [BattleTemplate] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT \(Self.templateColumns) FROM templates WHERE is_public = 1 ORDER BY created_at DESC, id DESC LIMIT ?
                        """), arguments: [limit]
            ).map(Self.template(from:))
        }
    }

    /// Inserts a validated template owned by `userID`.
    public func createTemplate(_ input: TemplateInput, ownerUserID userID: String, now: Timestamp) async throws -> BattleTemplate {
        let template = BattleTemplate(
            id: Identifiers.newUUID(), ownerUserID: userID, name: input.name, promptRules: input.promptRules,
            turnCount: input.turnCount, wordLimit: input.wordLimit, createdAt: now, isPublic: input.isPublic)
        try await write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO templates(id, owner_user_id, name, prompt_rules, turn_count, word_limit, created_at, is_public)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                template.id, userID, template.name, template.promptRules, template.turnCount,
                template.wordLimit, now.storageString, template.isPublic,
            ])
        }
        return template
    }

    /// A template the user may use: public, or their own.
    static func usableTemplate(_ db: Database, id: String, userID: String) throws -> BattleTemplate? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT \(templateColumns) FROM templates WHERE id = ? AND (is_public = 1 OR owner_user_id = ?)
                    """), arguments: [id, userID]
        ).map(template(from:))
    }

    /// The default template: the public one named like the system template, else the oldest public one.
    static func defaultTemplate(_ db: Database) throws -> BattleTemplate? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT \(templateColumns) FROM templates WHERE is_public = 1
                    ORDER BY (lower(name) = lower(?)) DESC, created_at ASC, id ASC LIMIT 1
                    """), arguments: [TemplateRules.defaultName]
        ).map(template(from:))
    }

    /// Remix suggestions: the battle's own template if public, then public templates with the default first and
    /// the rest newest first (8 read at most), de-duplicated, at most 4.
    public func remixSuggestions(battleTemplateID: String?) async throws -> [BattleTemplate] {
        try await read { db in
            var out: [BattleTemplate] = []
            if let id = battleTemplateID,
                let own = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT \(Self.templateColumns) FROM templates WHERE id = ? AND is_public = 1"),
                    arguments: [id]
                ).map(Self.template(from:))
            {
                out.append(own)
            }
            let rest = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT \(Self.templateColumns) FROM templates WHERE is_public = 1
                        ORDER BY (lower(name) = lower(?)) DESC, created_at DESC, id DESC LIMIT 8
                        """), arguments: [TemplateRules.defaultName]
            ).map(Self.template(from:))
            for template in rest where out.count < 4 && !out.contains(where: { $0.id == template.id }) { out.append(template) }
            return Array(out.prefix(4))
        }
    }
}
