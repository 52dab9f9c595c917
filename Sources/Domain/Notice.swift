/// Notification types.
public enum NoticeKind: String, Sendable {
    case personaFollowed = "persona_followed"
    case templateUsed = "template_used"
    case battleRemixed = "battle_remixed"
}

/// A notification about to be sent, with the contract's titles and bodies built in one place.
public struct Notice: Sendable, Equatable {
    public var kind: NoticeKind
    public var recipient: String
    public var actor: String
    public var title: String
    public var body: String
    public var metadata: [String: String]

    public static func personaFollowed(owner: String, follower: String, personaID: String, slug: String) -> Notice {
        Notice(
            kind: .personaFollowed, recipient: owner, actor: follower, title: "New follower",
            body: "Your public persona just got a new follower.", metadata: ["persona_id": personaID, "slug": slug])
    }

    public static func templateUsed(owner: String, creator: String, template: BattleTemplate, battleID: String) -> Notice {
        let name = template.name.trimmingWhitespace()
        let body = name.isEmpty ? "A template you created was used in a new battle." : "Your template \"\(name)\" was used in a new battle."
        return Notice(
            kind: .templateUsed, recipient: owner, actor: creator, title: "Your template was used", body: body,
            metadata: ["template_id": template.id, "battle_id": battleID])
    }

    public static func battleRemixed(owner: String, creator: String, roomName: String, sourceBattleID: String, battleID: String) -> Notice {
        let room = roomName.trimmingWhitespace()
        let body = room.isEmpty ? "Someone remixed one of your battles." : "Someone remixed your battle in \(room)."
        return Notice(
            kind: .battleRemixed, recipient: owner, actor: creator, title: "Your battle was remixed", body: body,
            metadata: ["source_battle_id": sourceBattleID, "battle_id": battleID])
    }
}
