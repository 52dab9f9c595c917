/// Fast JSON writing for the DTOs on the busiest read routes; field names match their `CodingKeys`.
extension PersonaDTO: JSONWritable {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.field("id", id); w.field("name", name); w.field("bio", bio); w.field("tone", tone)
            w.field("writing_samples", writingSamples); w.field("do_not_say", doNotSay); w.field("catchphrases", catchphrases)
            w.field("preferred_language", preferredLanguage); w.field("formality", formality)
            w.field("daily_draft_quota", dailyDraftQuota); w.field("daily_reply_quota", dailyReplyQuota)
            w.field("created_at", createdAt); w.field("updated_at", updatedAt)
        }
    }
}

extension PersonaListDTO: JSONWritable {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.beginArray("personas")
            for persona in personas { persona.write(to: &w) }
            w.endArray()
        }
    }
}

extension RoomListDTO: JSONWritable {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.beginArray("rooms")
            for room in rooms {
                w.object { w in
                    w.field("id", room.id); w.field("slug", room.slug); w.field("name", room.name)
                    w.field("description", room.description); w.field("created_at", room.createdAt)
                }
            }
            w.endArray()
        }
    }
}

extension PostDTO: JSONWritable {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.field("id", id); w.field("room_id", roomID); w.field("persona_id", personaID); w.field("persona_name", personaName)
            w.field("authored_by", authoredBy); w.field("status", status); w.field("content", content)
            w.field("created_at", createdAt); w.field("updated_at", updatedAt)
        }
    }
}

extension PostListDTO: JSONWritable {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.beginArray("posts")
            for post in posts { post.write(to: &w) }
            w.endArray()
        }
    }
}
