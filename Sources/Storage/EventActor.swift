/// The actor key of an event (DECISIONS 28): the user id when signed in, else `ip:` and a keyed digest of the
/// client's address, so a flood from one anonymous client counts once without storing the address itself.
public enum EventActor {
    public static func user(_ id: String) -> String { id }

    /// `digest` is the hex of a keyed hash of the address (computed by the caller, who holds the key).
    public static func anonymous(addressDigest digest: String) -> String { "ip:" + digest }
}
