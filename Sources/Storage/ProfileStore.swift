import Domain

/// Public persona profiles, their posts, and follows.
public protocol ProfileStore: Sendable {
    /// Publishes (or re-publishes) a persona's profile with a unique slug, in one transaction; nil when the persona is
    /// not the caller's; `DomainError.slugTaken`/`slugExhausted` when no slug could be had.
    func publishProfile(
        personaID: String, ownedBy userID: String, requestedSlug: String?, bio: String, now: Timestamp
    )
        async throws -> PublicProfile?
    /// Hides a profile. nil when the persona is not the caller's, else the slug ("" when never published).
    func unpublishProfile(personaID: String, ownedBy userID: String) async throws -> String?
    /// The public profile row of a persona (published or not), for its owner's page.
    func profile(personaID: String) async throws -> PublicProfile?
    /// A public profile by normalised slug; nil when absent or hidden.
    func publicPersona(slug: String) async throws -> PublicPersona?
    /// A public profile page in one read: the profile, its first page of posts and its top rooms.
    func publicProfilePage(slug: String, limit: Int) async throws -> PublicProfilePage?
    /// One page of a persona's published posts, newest first, after `cursor` (exclusive).
    func publicPosts(personaID: String, after cursor: PostCursor?, limit: Int) async throws -> [PublicPost]
    /// The owner of a persona, for the follow checks.
    func publicPersonaOwner(personaID: String) async throws -> String?
    /// Follows a persona (idempotent) and notifies its owner of a new follower, in one transaction.
    func follow(personaID: String, slug: String, ownerUserID: String, followerUserID: String, now: Timestamp) async throws -> FollowResult
}
