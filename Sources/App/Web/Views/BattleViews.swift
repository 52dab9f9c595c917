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
    /// Why starting the battle failed, after a post without JavaScript.
    let error: String?
}

/// `/p/{slug}`: a persona's public profile.
struct ProfilePage: PageView {
    /// A room the persona posts in, with its count in words (`3 posts`).
    struct RoomItem: Sendable {
        let name: String
        let posts: String
    }

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
    /// `1 follower`, `12 posts`.
    let followers: String
    let postCount: String
    let posts: [PostItem]
    let topRooms: [RoomItem]
    let moreLink: String?
    let signedIn: Bool
    let followSignup: String
    let isLaterPage: Bool
    /// After a follow posted without JavaScript: why it failed, or that it worked.
    let followError: String?
    let followNotice: String?
}
