import Card
import Domain
import Storage

/// Share cards: the battle's derived texts drawn by the renderer, kept in an LRU keyed by battle and version.
///
/// The database is read on every request (cheap, indexed) so the version is always current; a new reply
/// changes the version, and the worker also drops the battle's entries at once (`invalidate`).
struct CardService: Sendable {
    /// The renderer, or why it could not load its font (then the card route answers its 500).
    let renderer: Result<CardRenderer, CardError>
    let cache: CardCache
    let shareBase: String

    init(fontPath: String, shareBase: String, cache: CardCache = CardCache()) {
        do { renderer = .success(try CardRenderer(fontPath: fontPath)) } catch let error as CardError { renderer = .failure(error) } catch {
            renderer = .failure(.fontUnavailable(fontPath))
        }
        self.cache = cache
        self.shareBase = shareBase
    }

    /// The cache key and ETag source: `<battle id>|<newest updated_at in Unix nanoseconds>`.
    static func key(_ battle: PublicBattle) -> String { "\(battle.post.id)|\(battle.version.unixNanoseconds)" }

    /// The texts the card shows: the same topic the meta route gives (`BattleTopic`), the room on its own line.
    func content(_ battle: PublicBattle) -> CardContent {
        let summary = BattleSummary(
            content: battle.post.content, personaName: battle.post.personaName,
            replies: battle.replies.map { ($0.personaName, $0.content) })
        var link = "\(shareBase)/b/\(battle.post.id)"
        for scheme in ["https://", "http://"] where link.hasPrefix(scheme) { link.removeFirst(scheme.count) }
        return CardContent(
            topic: summary.topic, room: battle.roomName, pro: summary.pro, con: summary.con, verdict: summary.verdict,
            takeaways: summary.takeaways, linkDisplay: link, battleID: battle.post.id)
    }

    /// The PNG for a battle, from the cache or freshly rendered (and cached).
    func png(_ battle: PublicBattle) throws -> [UInt8] {
        let key = Self.key(battle)
        if let hit = cache.get(key) { return hit }
        let bytes = try renderer.get().render(content(battle))
        cache.set(key, bytes)
        return bytes
    }

    /// Drops every cached card of a battle (its replies changed).
    func invalidate(battleID: String) { cache.invalidate(prefix: battleID) }
}
