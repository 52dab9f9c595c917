/// Rules for public persona profiles: publishing (slugs) and the profile's badges.
public enum ProfileRules {
    /// How many slug candidates publish tries before giving up.
    public static let maxSlugAttempts = 200

    /// Normalises a requested slug, rejecting one that normalises to nothing.
    public static func requestedSlug(_ raw: String) throws -> String? {
        guard !raw.trimmingWhitespace().isEmpty else { return nil }
        let slug = Slug.normalize(raw)
        guard !slug.isEmpty else {
            throw DomainError.invalid("slug must contain only letters, numbers, spaces, hyphen or underscore")
        }
        return slug
    }

    /// The base slug: requested, else the existing one, else the persona name, else `persona`.
    public static func baseSlug(requested: String?, existing: String?, personaName: String) -> String {
        if let requested, !requested.isEmpty { return requested }
        if let existing, !existing.isEmpty { return existing }
        let fromName = Slug.normalize(personaName)
        return fromName.isEmpty ? "persona" : fromName
    }

    /// Badges shown on a public profile, in contract order.
    public static func badges(language: String, tone: String, formality: Int) -> [String] {
        var out = ["Public Persona"]
        let lang = language.trimmingWhitespace()
        if !lang.isEmpty { out.append(lang.uppercased()) }
        let t = tone.trimmingWhitespace()
        if !t.isEmpty { out.append("Tone: \(t)") }
        out.append(formality >= 2 ? "Formal" : "Conversational")
        return out
    }
}
