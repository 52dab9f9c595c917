/// `/b/{id}`: the battle with its card, derived texts and replies, and the share tags.
struct BattlePage: PageView {
    struct PostRef: Sendable { let id: String }

    static let template = "battle"
    let layout: Layout
    let post: PostRef
    let topic: String
    let pro: String
    let con: String
    let verdict: String
    let takeaways: [String]
    let roomName: String
    let templateName: String?
    let when: String
    let cardURL: String
    let shareURL: String
    let replies: [ReplyDTO]
    let pending: Int
    let expected: Int
    let remixLink: String
}

/// `/app/battles/new`: a battle from a template, or a remix of one (`?remix=`).
struct NewBattlePage: PageView {
    static let template = "battle-new"
    let layout: Layout
    let rooms: [SelectOption]
    let templates: [SelectOption]
    let topic: String
    let proStyle: String
    let conStyle: String
    /// The single-use remix token, carried in a hidden field (never in a URL).
    let remixToken: String?
    let remixOf: String?
    let fighters: [String]
    let canBattle: Bool
}

/// `/p/{slug}`: a persona's public profile.
struct ProfilePage: PageView {
    struct PostItem: Sendable {
        let id: String
        let roomName: String
        let content: String
        let when: String
        let isBattle: Bool
    }

    static let template = "profile"
    let layout: Layout
    let profile: PublicProfileDTO
    let posts: [PostItem]
    let topRooms: [RoomStatDTO]
    let moreLink: String?
    let signedIn: Bool
    let followSignup: String
    let isLaterPage: Bool
}
