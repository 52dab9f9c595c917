/// The analytics event names `POST /events` accepts, and how a client's name is normalised.
///
/// A name is trimmed and lowercased before it is checked; the lowercased form is what gets stored.
/// Anything outside the list (including a blank name) is rejected with `unsupported event_name`.
public enum EventName {
    /// The sixteen accepted names, in the contract's order. `remix_click` is the legacy spelling of
    /// `remix_clicked` and stays accepted so old clients keep working.
    public static let supported: [String] = [
        "persona_created",
        "preview_generated",
        "post_approved",
        "battle_created",
        "battle_shared",
        "public_profile_viewed",
        "public_battle_viewed",
        "signup_from_share",
        "remix_click",
        "remix_clicked",
        "remix_started",
        "remix_completed",
        "follow_click",
        "daily_return",
        "notification_clicked",
        "template_used_from_feed",
    ]

    private static let supportedSet = Set(supported)

    /// The stored form of `raw` (trimmed, lowercased), or nil when it is blank or not a supported name.
    public static func normalize(_ raw: String) -> String? {
        let name = raw.trimmingWhitespace().lowercased()
        guard !name.isEmpty, supportedSet.contains(name) else { return nil }
        return name
    }
}
