import Domain

/// The kinds of digest a lease can cover.
public enum DigestKind: String, Sendable { case daily, weekly }

/// How finishing a digest ended.
public enum DigestWrite: Sendable, Equatable { case written, unchanged, lostLease }

/// A persona's day to summarise, claimed for a holder. Its activity is read after the claim's transaction
/// (`DigestStore.personaDayActivity`), not inside it.
public struct DailyDigestWork: Sendable {
    public let persona: LLMPersona
    public let language: String
    public let date: String
    /// When the claim was made; the day to summarise is the UTC day it falls in.
    public let claimedAt: Timestamp
    /// The stored digest of that day, if any: (summary, stats JSON).
    public let existing: (summary: String, stats: String)?

    public init(persona: LLMPersona, language: String, date: String, claimedAt: Timestamp, existing: (summary: String, stats: String)?) {
        self.persona = persona
        self.language = language
        self.date = date
        self.claimedAt = claimedAt
        self.existing = existing
    }
}

/// A stored persona digest.
public struct StoredPersonaDigest: Sendable, Equatable {
    public let date: String
    public let summary: String
    public let stats: String
    public let updatedAt: Timestamp

    public init(date: String, summary: String, stats: String, updatedAt: Timestamp) {
        self.date = date
        self.summary = summary
        self.stats = stats
        self.updatedAt = updatedAt
    }
}

/// A stored weekly digest.
public struct StoredWeeklyDigest: Sendable, Equatable {
    public let weekStart: String
    public let items: String
    public let updatedAt: Timestamp

    public init(weekStart: String, items: String, updatedAt: Timestamp) {
        self.weekStart = weekStart
        self.items = items
        self.updatedAt = updatedAt
    }
}

/// A weekly candidate with what the per-user filters need: the post's owner and persona.
public struct WeeklyPost: Sendable {
    public var candidate: WeeklyCandidate
    public let ownerID: String
    public let personaID: String?

    public init(candidate: WeeklyCandidate, ownerID: String, personaID: String?) {
        self.candidate = candidate
        self.ownerID = ownerID
        self.personaID = personaID
    }
}

/// What one user's weekly ranking needs beyond the shared engaged battles.
public struct WeeklyUserInputs: Sendable {
    /// Battles the user saw (viewed, shared, remixed or clicked) in the last two weeks.
    public let seen: Set<String>
    /// Personas the user follows.
    public let followedPersonas: Set<String>
    /// This week's posts of followed personas, and the newest posts of others.
    public let extra: [WeeklyPost]

    public init(seen: Set<String>, followedPersonas: Set<String>, extra: [WeeklyPost]) {
        self.seen = seen
        self.followedPersonas = followedPersonas
        self.extra = extra
    }
}
