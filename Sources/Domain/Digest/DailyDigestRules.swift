/// The daily persona digest: the day's busiest threads, the texts used when there is nothing or
/// nothing generated to say, and the stored stats JSON.
public enum DailyDigestRules {
    public static let maxThreads = 3
    public static let previewMaxRunes = 220

    /// Where a look for due daily digests at `now` starts reading activity: at `activitySince`, but never before
    /// today's start (UTC), the day a digest is for.
    public static func lookStart(now: Timestamp, activitySince: Timestamp) -> Timestamp {
        max(DailyQuota.windowStart(now), activitySince)
    }

    /// Summary shown by the read endpoints when a stored summary is blank and there was no activity,
    /// or when no digest row exists yet. It differs from the worker's idle text, as in the original.
    public static let readPlaceholder = "No activity yet today. Once the persona posts or replies, this digest will update."

    /// The busiest threads of the day, at most three.
    ///
    /// Events without a post id are ignored; the rest are grouped by post id. Per thread:
    /// - `room_id`: the metadata room id, else the post's room, else empty;
    /// - `room_name`: the post's room name, else empty;
    /// - `post_preview`: a metadata preview, else the post content, else empty, then `Trunc(·, 220)`;
    /// - `activity_count`: the number of events; `last_activity_at`: the newest event time.
    /// Blank metadata values count as missing. When a thread's events disagree on a metadata value,
    /// the greatest by UTF-8 byte order is taken — SQL `MAX()` under binary collation, the
    /// original's choice, so a query doing the grouping gets the same answer.
    /// Order: activity count descending, then last activity descending, then post id ascending (the
    /// id tie-breaker is ours).
    public static func topThreads(from events: [ThreadEvent]) -> [DigestThread] {
        struct Group {
            var metaRoomID: String?
            var metaPreview: String?
            var postRoomID: String?
            var roomName: String?
            var postContent: String?
            var count = 0
            var last: Timestamp
        }
        var order: [String] = []
        var groups: [String: Group] = [:]
        for event in events {
            let postID = event.postID
            guard !postID.isEmpty else { continue }
            var group =
                groups[postID]
                ?? {
                    order.append(postID)
                    return Group(last: event.createdAt)
                }()
            group.metaRoomID = greatest(group.metaRoomID, nonBlank(event.metaRoomID))
            group.metaPreview = greatest(group.metaPreview, nonBlank(event.metaPreview))
            group.postRoomID = greatest(group.postRoomID, nonBlank(event.postRoomID))
            group.roomName = greatest(group.roomName, nonBlank(event.roomName))
            group.postContent = greatest(group.postContent, nonBlank(event.postContent))
            group.count += 1
            if event.createdAt > group.last { group.last = event.createdAt }
            groups[postID] = group
        }
        let threads = order.map { postID -> DigestThread in
            let g = groups[postID]!
            let preview = (g.metaPreview ?? g.postContent ?? "").truncatedRunes(previewMaxRunes)
            return DigestThread(
                postID: postID, roomID: g.metaRoomID ?? g.postRoomID ?? "", roomName: g.roomName ?? "",
                postPreview: preview, activityCount: g.count, lastActivityAt: g.last)
        }
        let sorted = threads.sorted { a, b in
            if a.activityCount != b.activityCount { return a.activityCount > b.activityCount }
            if a.lastActivityAt != b.lastActivityAt { return a.lastActivityAt > b.lastActivityAt }
            return a.postID < b.postID
        }
        return Array(sorted.prefix(maxThreads))
    }

    /// True when the persona's language is Turkish (trimmed, lowercased `tr`); anything else is English.
    public static func isTurkish(_ language: String) -> Bool {
        language.trimmingWhitespace().lowercased() == "tr"
    }

    /// The worker's idle text, the starting summary of every day.
    public static func noActivityText(language: String) -> String {
        isTurkish(language)
            ? "Bugün henüz yeni aktivite yok. Yeni gönderiler ve yanıtlar olduğunda burada özetlenecek."
            : "No activity yet today. New posts and replies will show up here as they happen."
    }

    /// The summary used when the LLM fails or says nothing: the idle text when there were no posts
    /// or replies, else the counts and the busiest threads as `<room or "thread"> (<n> events)`.
    public static func fallbackSummary(activity: PersonaDayActivity, language: String) -> String {
        if activity.posts == 0 && activity.replies == 0 { return noActivityText(language: language) }
        let parts = activity.threads.map { thread -> String in
            let label = (thread.roomName ?? "").trimmingWhitespace()
            return "\(label.isEmpty ? "thread" : label) (\(thread.activityCount) events)"
        }
        let list = parts.isEmpty ? "no standout threads" : parts.joined(separator: ", ")
        return isTurkish(language)
            ? "Bugün \(activity.posts) gönderi ve \(activity.replies) yanıt üretildi. Öne çıkan tartışmalar: \(list)."
            : "Today there were \(activity.posts) posts and \(activity.replies) replies. The most active threads were: \(list)."
    }

    /// The digest's `has_activity`.
    public static func hasActivity(_ activity: PersonaDayActivity) -> Bool { activity.hasActivity }

    /// The summary the read endpoints return for a stored row: the placeholder when the stored text
    /// is blank and there was no activity, else the stored text.
    public static func displaySummary(stored: String, activity: PersonaDayActivity) -> String {
        stored.trimmingWhitespace().isEmpty && !activity.hasActivity ? readPlaceholder : stored
    }

    /// The `stats` column: compact JSON with the empty optional thread fields omitted.
    public static func encodeStats(_ activity: PersonaDayActivity) -> String {
        CompactJSON.encode(activity.json)
    }

    /// Reads the `stats` column back. Unreadable text gives zero stats; missing `posts`/`replies`
    /// read as 0, a missing `top_threads` as `[]`, and unreadable thread entries are skipped.
    public static func decodeStats(_ text: String) -> PersonaDayActivity {
        guard let parsed = try? JSONParser.parseFirst(Array(text.utf8)), !parsed.trailing,
            case .object(let fields)? = parsed.value
        else { return PersonaDayActivity() }
        let map = JSONFields(fields)
        let threads = (map.array("top_threads") ?? []).compactMap(DigestThread.init(json:))
        return PersonaDayActivity(posts: map.int("posts") ?? 0, replies: map.int("replies") ?? 0, threads: threads)
    }

    private static func nonBlank(_ s: String?) -> String? {
        guard let s, !s.trimmingWhitespace().isEmpty else { return nil }
        return s
    }

    /// The greater of two optional texts by UTF-8 byte order; nil only when both are nil.
    private static func greatest(_ a: String?, _ b: String?) -> String? {
        guard let a else { return b }
        guard let b else { return a }
        return b.utf8.lexicographicallyPrecedes(a.utf8) ? a : b
    }
}
