/// Fast JSON writing for the DTOs on the busiest read routes; field names match their `CodingKeys`.
extension PersonaDTO: JSONWritable {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.field("id", id)
            w.field("name", name)
            w.field("bio", bio)
            w.field("tone", tone)
            w.field("writing_samples", writingSamples)
            w.field("do_not_say", doNotSay)
            w.field("catchphrases", catchphrases)
            w.field("preferred_language", preferredLanguage)
            w.field("formality", formality)
            w.field("daily_draft_quota", dailyDraftQuota)
            w.field("daily_reply_quota", dailyReplyQuota)
            w.field("created_at", createdAt)
            w.field("updated_at", updatedAt)
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
                    w.field("id", room.id)
                    w.field("slug", room.slug)
                    w.field("name", room.name)
                    w.field("description", room.description)
                    w.field("created_at", room.createdAt)
                }
            }
            w.endArray()
        }
    }
}

extension PostDTO: JSONWritable {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.field("id", id)
            w.field("room_id", roomID)
            w.field("persona_id", personaID)
            w.field("persona_name", personaName)
            w.field("authored_by", authoredBy)
            w.field("status", status)
            w.field("content", content)
            w.field("created_at", createdAt)
            w.field("updated_at", updatedAt)
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

// The public read routes: profiles, post pages and templates are the busiest anonymous responses.

extension PublicPostDTO: JSONWritable {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.field("authored_by", authoredBy)
            w.field("content", content)
            w.field("created_at", createdAt)
            w.field("id", id)
            w.field("room_id", roomID)
            w.field("room_name", roomName)
        }
    }
}

extension PublicProfilePageDTO: JSONWritable {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.beginArray("latest_posts")
            for post in latestPosts { post.write(to: &w) }
            w.endArray()
            w.field("next_cursor", nextCursor)
            w.beginObject("profile")
            w.field("badges", profile.badges)
            w.field("bio", profile.bio)
            w.field("created_at", profile.createdAt)
            w.field("followers", profile.followers)
            w.field("formality", profile.formality)
            w.field("is_public", profile.isPublic)
            w.field("name", profile.name)
            w.field("persona_id", profile.personaID)
            w.field("posts_count", profile.postsCount)
            w.field("preferred_language", profile.preferredLanguage)
            w.field("slug", profile.slug)
            w.field("tone", profile.tone)
            w.endObject()
            w.beginArray("top_rooms")
            for room in topRooms {
                w.object { w in
                    w.field("post_count", room.postCount)
                    w.field("room_id", room.roomID)
                    w.field("room_name", room.roomName)
                }
            }
            w.endArray()
        }
    }
}

extension PublicPostsPageDTO: JSONWritable {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.field("next_cursor", nextCursor)
            w.beginArray("posts")
            for post in posts { post.write(to: &w) }
            w.endArray()
        }
    }
}

extension TemplateListDTO: JSONWritable {
    func write(to w: inout JSONWriter) {
        w.object { w in
            w.beginArray("templates")
            for t in templates {
                w.object { w in
                    w.field("created_at", t.createdAt)
                    w.field("id", t.id)
                    w.field("is_public", t.isPublic)
                    w.field("name", t.name)
                    w.field("owner_user_id", t.ownerUserID)
                    w.field("prompt_rules", t.promptRules)
                    w.field("turn_count", t.turnCount)
                    w.field("word_limit", t.wordLimit)
                }
            }
            w.endArray()
        }
    }
}
