/// The analytics event names, who may write each, and how a client's name is normalised.
///
/// There are sixteen names. The server writes seven of them itself, in the transactions and
/// services that do the work they record (`serverWritten`); a client may send only the other nine
/// (`clientSent`, the names the original frontend sends). `POST /events` goes through
/// `normalizeClient`, so a client cannot forge a server-side event such as `battle_created`; the
/// server's own code paths use the names directly and never pass through the client check.
public enum EventName {
    /// The names only the server writes.
    public static let personaCreated = "persona_created"
    public static let previewGenerated = "preview_generated"
    public static let postApproved = "post_approved"
    public static let battleCreated = "battle_created"
    public static let publicProfileViewed = "public_profile_viewed"
    public static let publicBattleViewed = "public_battle_viewed"
    public static let signupFromShare = "signup_from_share"

    /// All sixteen names, in the contract's order (the admin summary lists every one). `remix_click`
    /// is the legacy spelling of `remix_clicked` and stays accepted so old clients keep working.
    public static let supported: [String] = [
        personaCreated,
        previewGenerated,
        postApproved,
        battleCreated,
        "battle_shared",
        publicProfileViewed,
        publicBattleViewed,
        signupFromShare,
        "remix_click",
        "remix_clicked",
        "remix_started",
        "remix_completed",
        "follow_click",
        "daily_return",
        "notification_clicked",
        "template_used_from_feed",
    ]

    /// The names the server writes itself; a client sending one gets `unsupported event_name`.
    public static let serverWritten: Set<String> = [
        personaCreated, previewGenerated, postApproved, battleCreated, publicProfileViewed, publicBattleViewed, signupFromShare,
    ]

    /// The names a client may send to `POST /events`, in the contract's order.
    public static let clientSent: [String] = supported.filter { !serverWritten.contains($0) }

    private static let clientSet = Set(clientSent)

    /// The stored form of a client's `raw` name (trimmed, lowercased), or nil when it is blank, unknown,
    /// or one of the names only the server writes.
    public static func normalizeClient(_ raw: String) -> String? {
        let name = raw.trimmingWhitespace().lowercased()
        guard !name.isEmpty, clientSet.contains(name) else { return nil }
        return name
    }
}
