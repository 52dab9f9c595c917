import Domain
import Foundation
import PostgresNIO
import Storage

/// Battle templates.
extension PostgresStore {
    static let templateColumns = "id::text, owner_user_id::text, name, prompt_rules, turn_count, word_limit, created_at, is_public"

    static func template(from row: PostgresRow) throws -> BattleTemplate {
        let (id, owner, name, rules, turns, words, created, isPublic) = try row.decode(
            (String, String?, String, String, Int, Int, Timestamp, Bool).self)
        return BattleTemplate(
            id: id, ownerUserID: owner, name: name, promptRules: rules, turnCount: turns, wordLimit: words, createdAt: created,
            isPublic: isPublic)
    }

    /// Public templates, newest first (id breaks ties), at most `limit`.
    public func publicTemplates(limit: Int) async throws -> [BattleTemplate] {
        try await quick { db in
            try await db.rows(
                "SELECT \(unescaped: Self.templateColumns) FROM templates WHERE is_public ORDER BY created_at DESC, id DESC LIMIT \(limit)"
            ).map(Self.template(from:))
        }
    }

    /// The templates `userID` may start a battle from: every public one and their own private ones, newest first.
    public func templates(usableBy userID: String, limit: Int) async throws -> [BattleTemplate] {
        let user = StoreID.parse(userID)
        return try await quick { db in
            try await db.rows(
                """
                SELECT \(unescaped: Self.templateColumns) FROM templates WHERE is_public OR owner_user_id = \(user)
                ORDER BY created_at DESC, id DESC LIMIT \(limit)
                """
            ).map(Self.template(from:))
        }
    }

    /// Inserts a validated template owned by `userID`.
    public func createTemplate(_ input: TemplateInput, ownerUserID userID: String, now: Timestamp) async throws -> BattleTemplate {
        let id = UUID()
        let owner = try StoreID.known(userID)
        let template = BattleTemplate(
            id: id.lower, ownerUserID: userID, name: input.name, promptRules: input.promptRules, turnCount: input.turnCount,
            wordLimit: input.wordLimit, createdAt: now, isPublic: input.isPublic)
        _ = try await quick { db in
            try await db.execute(
                """
                INSERT INTO templates(id, owner_user_id, name, prompt_rules, turn_count, word_limit, created_at, is_public)
                VALUES (\(id), \(owner), \(template.name), \(template.promptRules), \(template.turnCount), \(template.wordLimit), \(now),
                  \(template.isPublic))
                """)
        }
        return template
    }

    /// A template the user may use: public, or their own.
    static func usableTemplate(_ db: Connection, id: UUID, userID: UUID) async throws -> BattleTemplate? {
        try await db.rows(
            "SELECT \(unescaped: templateColumns) FROM templates WHERE id = \(id) AND (is_public OR owner_user_id = \(userID))"
        ).first.map(template(from:))
    }

    /// The default template: the public one named like the system template, else the oldest public one.
    static func defaultTemplate(_ db: Connection) async throws -> BattleTemplate? {
        try await db.rows(
            """
            SELECT \(unescaped: templateColumns) FROM templates WHERE is_public
            ORDER BY (LOWER(name) = LOWER(\(TemplateRules.defaultName))) DESC, created_at ASC, id ASC LIMIT 1
            """
        ).first.map(template(from:))
    }

    /// Remix suggestions: the battle's own template if public, then public templates with the default first and the
    /// rest newest first (8 read at most), de-duplicated, at most 4.
    public func remixSuggestions(battleTemplateID: String?) async throws -> [BattleTemplate] {
        let own = battleTemplateID.flatMap(StoreID.parse)
        return try await read { db in
            var out: [BattleTemplate] = []
            if let own,
                let found = try await db.rows("SELECT \(unescaped: Self.templateColumns) FROM templates WHERE id = \(own) AND is_public")
                    .first.map(Self.template(from:))
            {
                out.append(found)
            }
            let rest = try await db.rows(
                """
                SELECT \(unescaped: Self.templateColumns) FROM templates WHERE is_public
                ORDER BY (LOWER(name) = LOWER(\(TemplateRules.defaultName))) DESC, created_at DESC, id DESC LIMIT 8
                """
            ).map(Self.template(from:))
            for template in rest where out.count < 4 && !out.contains(where: { $0.id == template.id }) { out.append(template) }
            return Array(out.prefix(4))
        }
    }
}
