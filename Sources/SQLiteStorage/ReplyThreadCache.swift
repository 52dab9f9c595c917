import Domain
import GRDB
import Synchronization

/// The threads of the posts reply jobs run on, kept by the queue's writer so a reply job does not re-read and decode
/// every reply of its post (with n personas on a post that was n²/2 rows per post, the largest part of a claim).
///
/// Why a cached thread is always the thread the job would have read: replies are never updated or deleted one by one
/// (a post's replies only go with the post, and a persona's only lose their `persona_id`), so a post's replies only
/// grow. The cache holds, per post, a subset of its committed replies: a full read is kept only when it saw committed
/// rows alone, and a reply this process wrote is added only once its transaction committed. A subset with as many
/// rows as the post has is the whole set, so every use first counts the post's replies (one search of
/// `idx_replies_post_id_created_at`, in the claim's context statement) and reads them all again on any difference, such
/// as a reply another process wrote.
/// Replies written earlier in the open batch transaction (`pending`) are visible to its later statements; they are
/// counted and merged in, and dropped if their savepoint or the transaction rolls back.
///
/// Only the queue's batched writes use it (they run one batch at a time on the one writer connection); reads on other
/// connections read the thread themselves.
final class ReplyThreadCache: Sendable {
    /// Posts whose threads are kept; past it an arbitrary one is dropped (its next job reads it again).
    static let maxPosts = 256
    /// The longest thread kept; longer ones are read each time (bounds the memory to maxPosts × maxReplies replies).
    static let maxReplies = 200

    /// One reply, with the columns the thread is ordered by.
    struct Entry: Sendable {
        let createdAt: String
        let id: String
        let content: String

        /// The thread's order, `ORDER BY created_at ASC, id ASC` under SQLite's byte-wise BINARY collation.
        func precedes(_ other: Entry) -> Bool {
            if createdAt != other.createdAt { return createdAt.utf8.lexicographicallyPrecedes(other.createdAt.utf8) }
            return id.utf8.lexicographicallyPrecedes(other.id.utf8)
        }
    }

    private struct Thread {
        var entries: [Entry]
        var texts: [LLMText]

        init(_ entries: [Entry]) {
            self.entries = entries
            self.texts = entries.map { LLMText(id: $0.id, content: $0.content) }
        }

        /// Adds replies in thread order.
        func adding(_ more: [Entry]) -> Thread {
            var all = entries
            for entry in more {
                let at = all.lastIndex { !entry.precedes($0) }.map { $0 + 1 } ?? 0
                all.insert(entry, at: at)
            }
            return Thread(all)
        }
    }

    private struct State {
        var threads: [String: Thread] = [:]
        /// Replies written by the open batch transaction, by post (not committed yet).
        var pending: [String: [Entry]] = [:]

        mutating func keep(_ postID: String, _ thread: Thread) {
            guard thread.entries.count <= ReplyThreadCache.maxReplies else {
                threads[postID] = nil
                return
            }
            if threads[postID] == nil, threads.count >= ReplyThreadCache.maxPosts, let any = threads.keys.first { threads[any] = nil }
            threads[postID] = thread
        }
    }

    private let state = Mutex(State())

    static let threadSQL = "SELECT created_at, id, content FROM replies WHERE post_id = ? ORDER BY created_at ASC, id ASC"

    /// All replies of `postID` in thread order, as the open write transaction sees them; `count` is the post's number
    /// of replies read in the same transaction (`SELECT COUNT(*) FROM replies WHERE post_id = ?`).
    func thread(_ db: Database, postID: String, count: Int) throws -> [LLMText] {
        let (hit, committedOnly) = state.withLock { s -> ([LLMText]?, Bool) in
            let pending = s.pending[postID] ?? []
            guard let cached = s.threads[postID], cached.entries.count + pending.count == count else { return (nil, pending.isEmpty) }
            return (pending.isEmpty ? cached.texts : cached.adding(pending).texts, true)
        }
        if let hit { return hit }
        let thread = Thread(try Self.read(db, postID: postID))
        if committedOnly { state.withLock { $0.keep(postID, thread) } }
        return thread.texts
    }

    /// The full read, in thread order.
    static func read(_ db: Database, postID: String) throws -> [Entry] {
        var entries: [Entry] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: threadSQL), arguments: [postID])
        while let row = try rows.next() { entries.append(Entry(createdAt: row[0], id: row[1], content: row[2])) }
        return entries
    }

    /// Notes a reply written in the open batch transaction.
    func wrote(postID: String, _ entry: Entry) {
        state.withLock { $0.pending[postID, default: []].append(entry) }
    }

    /// Forgets a reply whose savepoint rolled back.
    func unwrote(postID: String, id: String) {
        state.withLock { s in
            s.pending[postID]?.removeAll { $0.id == id }
            if s.pending[postID]?.isEmpty == true { s.pending[postID] = nil }
        }
    }

    /// The batch transaction committed: its replies join the threads kept for their posts.
    func committed() {
        state.withLock { s in
            let pending = s.pending
            s.pending = [:]
            for (postID, entries) in pending {
                guard let cached = s.threads[postID] else { continue }
                s.keep(postID, cached.adding(entries))
            }
        }
    }

    /// The batch transaction rolled back: its replies were never written.
    func rolledBack() {
        state.withLock { $0.pending = [:] }
    }
}
