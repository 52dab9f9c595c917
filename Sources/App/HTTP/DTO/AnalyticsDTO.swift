import Domain

/// `GET /admin/analytics/summary`: zero-filled counts per supported event name, plus the funnels.
struct AnalyticsSummaryDTO: Encodable, Sendable {
    let generatedAt: String
    let last24h: [String: Int]
    let last7d: [String: Int]
    let funnel7d: [String: Int]
    let remixFunnel7d: [String: Int]
    let retention7d: [String: Int]

    enum CodingKeys: String, CodingKey {
        case generatedAt = "generated_at", last24h = "last_24h", last7d = "last_7d", funnel7d = "funnel_7d"
        case remixFunnel7d = "remix_funnel_7d", retention7d = "retention_7d"
    }

    init(now: Timestamp, day: [String: Int], week: [String: Int]) {
        func filled(_ counts: [String: Int]) -> [String: Int] {
            var out = counts
            for name in EventName.supported where out[name] == nil { out[name] = 0 }
            return out
        }
        generatedAt = now.rfc3339Seconds
        last24h = filled(day)
        last7d = filled(week)
        let w = last7d
        funnel7d = [
            "share": w["battle_shared"] ?? 0, "view": w["public_profile_viewed"] ?? 0, "signup": w["signup_from_share"] ?? 0,
            "persona": w["persona_created"] ?? 0, "battle": w["battle_created"] ?? 0,
        ]
        remixFunnel7d = [
            "public_views": w["public_battle_viewed"] ?? 0, "remix_clicked": w["remix_clicked"] ?? 0,
            "remix_started": w["remix_started"] ?? 0, "remix_completed": w["remix_completed"] ?? 0,
        ]
        retention7d = [
            "daily_return": w["daily_return"] ?? 0, "notification_clicked": w["notification_clicked"] ?? 0,
            "template_used_from_feed": w["template_used_from_feed"] ?? 0,
        ]
    }
}
