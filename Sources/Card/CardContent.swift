/// The already-derived texts of a battle share card.
///
/// The caller computes topic, sides, verdict, takeaways and the link; the card
/// module only lays them out and draws them.
public struct CardContent: Sendable, Hashable {
    /// The battle topic (`BattleTopic`).
    public var topic: String
    /// The room's name, drawn on its own line under the topic (empty: no room line).
    public var room: String
    /// Pro side name.
    public var pro: String
    /// Con side name.
    public var con: String
    /// Verdict sentence (including its `Verdict:` prefix).
    public var verdict: String
    /// The takeaways, normally exactly 3; only the first 3 are drawn.
    public var takeaways: [String]
    /// The share URL with its scheme removed.
    public var linkDisplay: String
    /// The battle UUID.
    public var battleID: String

    public init(
        topic: String,
        room: String = "",
        pro: String,
        con: String,
        verdict: String,
        takeaways: [String],
        linkDisplay: String,
        battleID: String
    ) {
        self.topic = topic
        self.room = room
        self.pro = pro
        self.con = con
        self.verdict = verdict
        self.takeaways = takeaways
        self.linkDisplay = linkDisplay
        self.battleID = battleID
    }
}

/// Errors raised by the card renderer.
public enum CardError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The font file is missing or FreeType cannot load it.
    case fontUnavailable(String)
    /// FreeType failed while setting a size or loading a glyph.
    case fontFailure(String)
    /// libpng failed to encode or decode an image.
    case pngFailure(String)

    public var description: String {
        switch self {
        case .fontUnavailable(let path): "card font unavailable: \(path)"
        case .fontFailure(let message): "card font failure: \(message)"
        case .pngFailure(let message): "card PNG failure: \(message)"
        }
    }
}
