import Card
import Crypto
import Domain
import Foundation
import Storage

/// Share cards: the battle's derived texts drawn by the renderer, kept in an LRU keyed by battle and by what the card
/// draws.
///
/// The database is read on every request (cheap, indexed) and the texts derived from it, so the key always follows
/// what a new render would draw: a new reply, and equally a persona renamed after the battle (its name is joined at
/// read time and changes no `updated_at` of the battle), make a new key, on every node at once with no eviction to
/// deliver (`key`). The worker also drops a battle's entries when a reply lands (`invalidate`), which only frees
/// memory early.
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

    /// The cache key and ETag source: `<battle id>|<V>|<D>`. V is the contract's version, the newest `updated_at` of
    /// the post and its replies in Unix nanoseconds; D is 32 hex digits of SHA-256 over every text the card draws, each
    /// with its byte length in front so no two different cards hash the same bytes. V alone misses a persona renamed
    /// after the battle (the name is joined when read, and no `updated_at` of the battle moves), which would keep the
    /// old name on the card and answer 304 to a client holding it; D follows exactly what a render would draw.
    static func key(_ battle: PublicBattle, _ content: CardContent) -> String {
        var bytes: [UInt8] = []
        let texts =
            [content.battleID, content.topic, content.room, content.pro, content.con, content.verdict, content.linkDisplay]
            + [String(content.takeaways.count)] + content.takeaways
        for text in texts { bytes += Array("\(text.utf8.count):".utf8) + Array(text.utf8) }
        let digest = SHA256.hash(data: bytes).prefix(16).map { String(format: "%02x", $0) }.joined()
        return "\(battle.post.id)|\(battle.version.unixNanoseconds)|\(digest)"
    }

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

    /// The PNG of `content` under its `key`, from the cache or freshly rendered (and cached).
    func png(_ content: CardContent, key: String) throws -> [UInt8] {
        if let hit = cache.get(key) { return hit }
        let bytes = try renderer.get().render(content)
        cache.set(key, bytes)
        return bytes
    }

    /// Drops every cached card of a battle (its replies changed).
    func invalidate(battleID: String) { cache.invalidate(prefix: battleID) }
}
