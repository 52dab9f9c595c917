/// A battle template (system templates have no owner).
public struct BattleTemplate: Sendable, Equatable {
    public var id: String
    public var ownerUserID: String?
    public var name: String
    public var promptRules: String
    public var turnCount: Int
    public var wordLimit: Int
    public var createdAt: Timestamp
    public var isPublic: Bool

    public init(
        id: String, ownerUserID: String?, name: String, promptRules: String, turnCount: Int, wordLimit: Int,
        createdAt: Timestamp, isPublic: Bool
    ) {
        self.id = id
        self.ownerUserID = ownerUserID
        self.name = name
        self.promptRules = promptRules
        self.turnCount = turnCount
        self.wordLimit = wordLimit
        self.createdAt = createdAt
        self.isPublic = isPublic
    }
}

/// What a caller submits to create a template, before validation.
public struct TemplateInput: Sendable, Equatable {
    public var name: String
    public var promptRules: String
    public var turnCount: Int
    public var wordLimit: Int
    public var isPublic: Bool

    public init(name: String, promptRules: String, turnCount: Int, wordLimit: Int, isPublic: Bool) {
        self.name = name
        self.promptRules = promptRules
        self.turnCount = turnCount
        self.wordLimit = wordLimit
        self.isPublic = isPublic
    }
}

/// Template validation, in the order the contract checks it; stored text is trimmed.
public enum TemplateRules {
    /// The system template a battle without `template_id` prefers.
    public static let defaultName = "Claim/Evidence 6 turns"

    static let forbiddenPatterns = [
        "system prompt", "developer message", "hidden instruction", "ignore previous instructions",
        "<system>", "prompt injection",
    ]
    static let linkPatterns = ["http://", "https://", "www.", "mailto:"]

    /// The input with trimmed text, or the first rule it breaks.
    public static func validate(_ input: TemplateInput) throws -> TemplateInput {
        var out = input
        out.name = input.name.trimmingWhitespace()
        guard !out.name.isEmpty else { throw DomainError.invalid("name is required") }
        guard out.name.runeCount <= 80 else { throw DomainError.invalid("name must be <= 80 chars") }
        guard (2...20).contains(input.turnCount) else { throw DomainError.invalid("turn_count must be between 2 and 20") }
        guard (40...500).contains(input.wordLimit) else { throw DomainError.invalid("word_limit must be between 40 and 500") }
        out.promptRules = input.promptRules.trimmingWhitespace()
        guard !out.promptRules.isEmpty else { throw DomainError.invalid("prompt_rules is required") }
        guard out.promptRules.runeCount <= 1200 else { throw DomainError.invalid("prompt_rules must be <= 1200 chars") }
        let lower = out.promptRules.lowercased()
        if forbiddenPatterns.contains(where: { lower.contains($0) }) {
            throw DomainError.invalid("prompt_rules contains forbidden instruction pattern")
        }
        if linkPatterns.contains(where: { lower.contains($0) }) { throw DomainError.invalid("prompt_rules cannot include external links") }
        return out
    }

    /// How many personas a battle on this template enqueues: 3 for long templates, else 2.
    public static func replyCount(turnCount: Int) -> Int { turnCount >= 8 ? 3 : 2 }
}
