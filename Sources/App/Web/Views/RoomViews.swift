import Web

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
    /// A draft the persona might write here (not stored).
    struct Preview: Sendable {
        let label: String
        let content: String
    }

    static let template = "room"
    let layout: Layout
    let room: RoomDTO
    let personas: [SelectOption]
    let posts: [PostRow]
    let draftError: String?
    let previewError: String?
    /// The previews of a preview form posted without JavaScript, and the quota line.
    let previews: [Preview]
    let previewStatus: String?
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
    /// The approve form's text: the draft, or what was posted when approving failed.
    let draftText: String
    let approveError: String?
    let generateError: String?
    /// What "Generate replies" queued, shown after its redirect.
    let generateNotice: String?

    /// The words the script also shows after "Generate replies".
    static func queuedNotice(enqueued: Int, skipped: Int) -> String {
        enqueued > 0
            ? "Writing \(Plural.count(enqueued, "reply", "replies"))…"
            : "No replies queued (\(skipped) skipped: daily quota used or already queued)."
    }
}

/// The first `max` characters of a text on one line, for lists.
enum Excerpt {
    static func of(_ text: String, max: Int) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count <= max ? line : String(line.prefix(max - 1)) + "…"
    }
}
