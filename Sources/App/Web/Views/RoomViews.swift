/// A choice in a `<select>`.
struct SelectOption: Sendable {
    let value: String
    let label: String
    let selected: Bool
}

struct RoomsPage: PageView {
    static let template = "rooms"
    let layout: Layout
    let rooms: [RoomDTO]
}

/// A post in a list: enough to recognise it and open its thread.
struct PostRow: Sendable {
    let id: String
    let author: String
    let status: String
    let isDraft: Bool
    let excerpt: String
    let when: String
    /// Battles open on their share page.
    let link: String

    init(_ post: PostDTO) {
        id = post.id
        author = post.personaName ?? (post.personaID == nil ? "Battle" : "A persona")
        status = post.status == "DRAFT" ? "Draft" : "Published"
        isDraft = post.status == "DRAFT"
        excerpt = Excerpt.of(post.content, max: 220)
        when = DisplayTime.text(post.createdAt)
        link = post.personaID == nil && post.status == "PUBLISHED" ? "/b/\(post.id)" : "/app/posts/\(post.id)"
    }
}

struct RoomPage: PageView {
    static let template = "room"
    let layout: Layout
    let room: RoomDTO
    let personas: [SelectOption]
    let posts: [PostRow]
}

struct ThreadPage: PageView {
    static let template = "thread"
    let layout: Layout
    let post: PostDTO
    let author: String
    let roomName: String
    let isDraft: Bool
    let isBattle: Bool
    let when: String
    let replies: [ReplyDTO]
    let summary: String
    /// Reply jobs still being written: the script polls until `expected` replies are there.
    let pending: Int
    let expected: Int
}

/// The first `max` characters of a text on one line, for lists.
enum Excerpt {
    static func of(_ text: String, max: Int) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count <= max ? line : String(line.prefix(max - 1)) + "…"
    }
}
