/// A registered account.
public struct User: Sendable, Equatable {
    public var id: String
    public var email: String
    public var passwordHash: String
    public var createdAt: Timestamp

    public init(id: String, email: String, passwordHash: String, createdAt: Timestamp) {
        self.id = id
        self.email = email
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

/// A discussion room (seeded, read-only through the API).
public struct Room: Sendable, Equatable {
    public var id: String
    public var slug: String
    public var name: String
    public var description: String
    public var createdAt: Timestamp

    public init(id: String, slug: String, name: String, description: String, createdAt: Timestamp) {
        self.id = id
        self.slug = slug
        self.name = name
        self.description = description
        self.createdAt = createdAt
    }
}

/// An AI persona with its private calibration fields.
public struct Persona: Sendable, Equatable {
    public var id: String
    public var userID: String
    public var fields: PersonaFields
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(id: String, userID: String, fields: PersonaFields, createdAt: Timestamp, updatedAt: Timestamp) {
        self.id = id
        self.userID = userID
        self.fields = fields
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The user-editable fields of a persona, after normalisation.
public struct PersonaFields: Sendable, Equatable {
    public var name: String
    public var bio: String
    public var tone: String
    public var writingSamples: [String]
    public var doNotSay: [String]
    public var catchphrases: [String]
    public var preferredLanguage: String
    public var formality: Int
    public var dailyDraftQuota: Int
    public var dailyReplyQuota: Int

    public init(
        name: String, bio: String, tone: String, writingSamples: [String], doNotSay: [String],
        catchphrases: [String], preferredLanguage: String, formality: Int,
        dailyDraftQuota: Int, dailyReplyQuota: Int
    ) {
        self.name = name
        self.bio = bio
        self.tone = tone
        self.writingSamples = writingSamples
        self.doNotSay = doNotSay
        self.catchphrases = catchphrases
        self.preferredLanguage = preferredLanguage
        self.formality = formality
        self.dailyDraftQuota = dailyDraftQuota
        self.dailyReplyQuota = dailyReplyQuota
    }
}

/// A persona's public profile row.
public struct PublicProfile: Sendable, Equatable {
    public var personaID: String
    public var slug: String
    public var isPublic: Bool
    public var bio: String
    public var createdAt: Timestamp

    public init(personaID: String, slug: String, isPublic: Bool, bio: String, createdAt: Timestamp) {
        self.personaID = personaID
        self.slug = slug
        self.isPublic = isPublic
        self.bio = bio
        self.createdAt = createdAt
    }
}
