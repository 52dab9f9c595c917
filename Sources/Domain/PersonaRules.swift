/// Validation and normalisation of persona input.
public enum PersonaRules {
    /// Whether the input creates a persona (quotas ≤ 0 take defaults) or replaces one (quotas must be > 0).
    public enum Mode: Sendable { case create(defaultDraftQuota: Int, defaultReplyQuota: Int), update }

    /// Applies the contract's checks in order and returns the stored (normalised) values.
    public static func normalize(_ input: PersonaFields, mode: Mode) throws -> PersonaFields {
        var out = input
        out.name = input.name.trimmingWhitespace()
        guard !out.name.isEmpty else { throw DomainError.invalid("name is required") }
        out.bio = input.bio.trimmingWhitespace()
        out.tone = input.tone.trimmingWhitespace()
        out.writingSamples = clean(input.writingSamples)
        guard out.writingSamples.count == 3 else {
            throw DomainError.invalid("writing_samples must contain exactly 3 short examples")
        }
        guard out.writingSamples.allSatisfy({ $0.runeCount <= 180 }) else {
            throw DomainError.invalid("writing_samples items must be <= 180 chars")
        }
        out.doNotSay = clean(input.doNotSay)
        guard out.doNotSay.allSatisfy({ $0.runeCount <= 120 }) else {
            throw DomainError.invalid("do_not_say items must be <= 120 chars")
        }
        out.catchphrases = clean(input.catchphrases)
        guard out.catchphrases.allSatisfy({ $0.runeCount <= 80 }) else {
            throw DomainError.invalid("catchphrases items must be <= 80 chars")
        }
        out.preferredLanguage = input.preferredLanguage.trimmingWhitespace().lowercased()
        guard out.preferredLanguage == "tr" || out.preferredLanguage == "en" else {
            throw DomainError.invalid("preferred_language must be tr or en")
        }
        guard (0...3).contains(input.formality) else { throw DomainError.invalid("formality must be between 0 and 3") }
        switch mode {
        case .create(let draft, let reply):
            if out.dailyDraftQuota <= 0 { out.dailyDraftQuota = draft }
            if out.dailyReplyQuota <= 0 { out.dailyReplyQuota = reply }
        case .update:
            guard out.dailyDraftQuota > 0, out.dailyReplyQuota > 0 else { throw DomainError.invalid("quotas must be positive") }
        }
        return out
    }

    /// Trims items and drops blank ones.
    static func clean(_ items: [String]) -> [String] {
        items.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}
