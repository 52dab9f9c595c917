/// The shape of `seed --demo-scale N`, shared by every engine so the same N gives the same dataset on each.
public enum DemoScaleShape {
    /// The event of mix position `kind` (0..<100): views dominate, then shares, profile views, returns, remixes and the
    /// rest. Returns (event name, metadata JSON).
    public static func event(_ kind: Int, battle: String, source: String, persona: String) -> (String, String) {
        switch kind {
        case 0..<30: return ("public_battle_viewed", #"{"battle_id":"\#(battle)"}"#)
        case 30..<45: return ("battle_shared", #"{"battle_id":"\#(battle)","source":"battle_page"}"#)
        case 45..<50: return ("remix_completed", #"{"battle_id":"\#(battle)","source_battle_id":"\#(source)"}"#)
        case 50..<70: return ("public_profile_viewed", #"{"persona_id":"\#(persona)"}"#)
        case 70..<90: return ("daily_return", #"{"source":"app"}"#)
        case 90..<95: return ("remix_started", #"{"battle_id":"\#(battle)"}"#)
        default: return ("notification_clicked", #"{"notification_type":"persona_followed"}"#)
        }
    }
}

/// A small deterministic generator (SplitMix64), so a scale dataset has the same shape every time.
public struct SplitMix64: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// A value in `0..<bound`.
    public mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return bound <= 0 ? 0 : Int(z % UInt64(bound))
    }
}
