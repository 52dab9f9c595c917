import Domain

/// `{"ok": true}` / `{"ok": false, "error": …}`.
struct OKDTO: Encodable, Sendable {
    let ok: Bool
    var error: String?
}

/// A room.
struct RoomDTO: Encodable, Sendable {
    let id: String
    let slug: String
    let name: String
    let description: String
    let createdAt: String

    enum CodingKeys: String, CodingKey { case id, slug, name, description, createdAt = "created_at" }

    init(_ room: Room) {
        id = room.id
        slug = room.slug
        name = room.name
        description = room.description
        createdAt = room.createdAt.rfc3339
    }
}

/// `{"rooms": [...]}`.
struct RoomListDTO: Encodable, Sendable { let rooms: [RoomDTO] }
