import Domain

/// Battles and templates.
public protocol BattleStore: Sendable {
    /// Creates a battle in one transaction: the published post, its reply jobs (the caller's first personas, 2 or 3
    /// by the template's turn count; one at its quota is skipped, not replaced), the notifications and the events.
    /// A remix token already redeemed throws `DomainError.remixTokenUsed` and writes nothing.
    func createBattle(_ draft: BattleDraft, now: Timestamp) async throws -> CreatedBattle
    /// A PUBLISHED post with its room, template and (when `withReplies`) replies; nil when missing or unpublished.
    func publicBattle(id: String, withReplies: Bool) async throws -> PublicBattle?
    /// Public templates, newest first (id breaks ties), at most `limit`.
    func publicTemplates(limit: Int) async throws -> [BattleTemplate]
    /// The templates `userID` may start a battle from: every public one and their own private ones, newest first.
    func templates(usableBy userID: String, limit: Int) async throws -> [BattleTemplate]
    /// Inserts a validated template owned by `userID`.
    func createTemplate(_ input: TemplateInput, ownerUserID userID: String, now: Timestamp) async throws -> BattleTemplate
    /// Remix suggestions: the battle's own template if public, then public templates with the default first and the
    /// rest newest first, de-duplicated, at most 4.
    func remixSuggestions(battleTemplateID: String?) async throws -> [BattleTemplate]
}
