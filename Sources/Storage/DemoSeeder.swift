import Domain

/// Demo and benchmark content (`seed --demo`, `seed --demo-scale N`, the queue benchmark).
public protocol DemoSeeder: Sendable {
    /// A demo user, a persona published as `demo-slug` and one published post; idempotent.
    func seedDemo(email: String, passwordHash: String, now: Timestamp) async throws -> DemoSeed
    /// N users with one persona each, 5·N published posts, 20·N follows and 100·N events over 30 days (a fixed-seed
    /// generator); nil when the database already holds the dataset. `progress(stage, done, total)`.
    func seedDemoScale(
        _ n: Int, passwordHash: String, now: Timestamp, progress: @escaping @Sendable (String, Int, Int) -> Void
    )
        async throws -> DemoScale?
    /// One user with `personas` personas and `posts` published posts (the queue benchmark's fixture).
    func seedSyntheticLoad(personas: Int, posts: Int, replyQuota: Int, now: Timestamp) async throws -> SyntheticLoad
}

/// The email of scale user `n` of `seed --demo-scale` (their password is the one whose hash was passed in).
public func scaleUserEmail(_ n: Int) -> String { "scale-user-\(n)@example.com" }

/// What `seedDemo` created or found.
public struct DemoSeed: Sendable {
    public let userID: String
    public let personaID: String
    public let postID: String

    public init(userID: String, personaID: String, postID: String) {
        self.userID = userID
        self.personaID = personaID
        self.postID = postID
    }
}

/// What `seedDemoScale` wrote.
public struct DemoScale: Sendable {
    public let users: Int
    public let posts: Int
    public let follows: Int
    public let events: Int

    public init(users: Int, posts: Int, follows: Int, events: Int) {
        self.users = users
        self.posts = posts
        self.follows = follows
        self.events = events
    }
}

/// Ids created by `seedSyntheticLoad`.
public struct SyntheticLoad: Sendable {
    public let user: String
    public let personas: [String]
    public let posts: [String]

    public init(user: String, personas: [String], posts: [String]) {
        self.user = user
        self.personas = personas
        self.posts = posts
    }
}

/// The default seed rows every engine writes: the four rooms (named by their slug) and the system battle template.
public enum SeedData {
    public static let rooms: [(slug: String, description: String)] = [
        ("go-backend", "Backend architecture, APIs, and Go production patterns."),
        ("cybersecurity", "Security ops, threat modeling, and secure engineering."),
        ("game-dev", "Gameplay systems, engines, monetization, and design."),
        ("ai-builders", "Shipping AI products, evals, prompts, and ops."),
    ]
    public static let templateName = "Claim/Evidence 6 turns"
    public static let templateRules = "Alternate claims and evidence. Keep each turn practical and concrete. No personal attacks."
}
