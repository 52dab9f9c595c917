/// Validation and normalisation of persona input, and the bounds on every persona field.
///
/// Every length is in runes (Unicode scalars) of the trimmed text; every list bound counts the items kept
/// after blank ones are dropped, which are the ones stored.
public enum PersonaRules {
    /// `name`: required, at most this many runes.
    public static let maxNameRunes = 80
    /// `tone`: optional, at most this many runes.
    public static let maxToneRunes = 80
    /// `bio` (and a public profile's own bio): at most this many runes.
    public static let maxBioRunes = 1000
    /// `writing_samples`: exactly this many items.
    public static let writingSampleCount = 3
    /// Each writing sample: at most this many runes.
    public static let maxWritingSampleRunes = 180
    /// `do_not_say` and `catchphrases`: at most this many items each.
    public static let maxListItems = 20
    /// Each `do_not_say` item: at most this many runes.
    public static let maxDoNotSayRunes = 120
    /// Each catchphrase: at most this many runes.
    public static let maxCatchphraseRunes = 80
    /// `formality`: the allowed range.
    public static let formalityRange = 0...3
    /// The default of `MAX_DAILY_QUOTA`, the largest daily draft or reply quota a persona may have.
    public static let defaultMaxDailyQuota = 1000
    /// The default of `MAX_PERSONAS_PER_USER`.
    public static let defaultMaxPersonasPerUser = 50
    /// The 409 answer when a user already has `MAX_PERSONAS_PER_USER` personas.
    public static let limitReachedMessage = "persona limit reached"

    /// Whether the input creates a persona (quotas of 0 take defaults) or replaces one (quotas must be > 0).
    public enum Mode: Sendable { case create(defaultDraftQuota: Int, defaultReplyQuota: Int), update }

    /// Applies the contract's checks in order and returns the stored (normalised) values. `maxDailyQuota` is
    /// the configured `MAX_DAILY_QUOTA`.
    public static func normalize(_ input: PersonaFields, mode: Mode, maxDailyQuota: Int = defaultMaxDailyQuota) throws -> PersonaFields {
        var out = input
        out.name = input.name.trimmingWhitespace()
        guard !out.name.isEmpty else { throw DomainError.invalid("name is required") }
        try bound(out.name, maxNameRunes, "name")
        out.bio = try bio(input.bio)
        out.tone = input.tone.trimmingWhitespace()
        try bound(out.tone, maxToneRunes, "tone")
        out.writingSamples = clean(input.writingSamples)
        guard out.writingSamples.count == writingSampleCount else {
            throw DomainError.invalid("writing_samples must contain exactly \(writingSampleCount) short examples")
        }
        guard out.writingSamples.allSatisfy({ $0.runeCount <= maxWritingSampleRunes }) else {
            throw DomainError.invalid("writing_samples items must be <= \(maxWritingSampleRunes) chars")
        }
        out.doNotSay = try list(input.doNotSay, maxItemRunes: maxDoNotSayRunes, "do_not_say")
        out.catchphrases = try list(input.catchphrases, maxItemRunes: maxCatchphraseRunes, "catchphrases")
        out.preferredLanguage = input.preferredLanguage.trimmingWhitespace().lowercased()
        guard out.preferredLanguage == "tr" || out.preferredLanguage == "en" else {
            throw DomainError.invalid("preferred_language must be tr or en")
        }
        guard formalityRange.contains(input.formality) else {
            throw DomainError.invalid("formality must be between \(formalityRange.lowerBound) and \(formalityRange.upperBound)")
        }
        try quota(input.dailyDraftQuota, "daily_draft_quota", max: maxDailyQuota)
        try quota(input.dailyReplyQuota, "daily_reply_quota", max: maxDailyQuota)
        switch mode {
        case .create(let draft, let reply):
            if out.dailyDraftQuota == 0 { out.dailyDraftQuota = draft }
            if out.dailyReplyQuota == 0 { out.dailyReplyQuota = reply }
        case .update:
            guard out.dailyDraftQuota > 0, out.dailyReplyQuota > 0 else { throw DomainError.invalid("quotas must be positive") }
        }
        return out
    }

    /// A persona or profile bio: trimmed, at most `maxBioRunes` runes.
    public static func bio(_ raw: String) throws -> String {
        let bio = raw.trimmingWhitespace()
        try bound(bio, maxBioRunes, "bio")
        return bio
    }

    /// The persona cap, checked where a persona is inserted (in the same write transaction as the insert, so
    /// concurrent creates cannot overshoot): `existing` is the user's current count, `max` the configured
    /// `MAX_PERSONAS_PER_USER`. Throws 409 `persona limit reached` when another one would exceed it.
    public static func checkCapacity(existing: Int, max: Int) throws {
        guard existing < max else { throw DomainError.conflict(limitReachedMessage) }
    }

    /// Trims items and drops blank ones.
    static func clean(_ items: [String]) -> [String] {
        items.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    private static func bound(_ text: String, _ max: Int, _ field: String) throws {
        guard text.runeCount <= max else { throw DomainError.invalid("\(field) must be <= \(max) chars") }
    }

    private static func list(_ raw: [String], maxItemRunes: Int, _ field: String) throws -> [String] {
        let items = clean(raw)
        guard items.count <= maxListItems else { throw DomainError.invalid("\(field) must have at most \(maxListItems) items") }
        guard items.allSatisfy({ $0.runeCount <= maxItemRunes }) else {
            throw DomainError.invalid("\(field) items must be <= \(maxItemRunes) chars")
        }
        return items
    }

    private static func quota(_ value: Int, _ field: String, max: Int) throws {
        guard value >= 0 && value <= max else { throw DomainError.invalid("\(field) must be between 0 and \(max)") }
    }
}
