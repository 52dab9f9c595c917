import Domain
import Foundation
import GRDB
import Store

/// Rows inserted straight into a test database (users, personas, published posts).
public enum Fixtures {
    /// Creates a user with `personas` personas and `posts` published posts; returns their ids.
    public static func seed(_ db: AppDatabase, path: String, personas: Int, posts: Int, replyQuota: Int = 100_000,
                            now: Timestamp) async throws -> (user: String, personas: [String], posts: [String]) {
        try await db.migrate()
        try await db.seedDefaults(now: now)
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try await queue.write { conn in
            let user = Identifiers.newUUID()
            let ts = now.storageString
            try conn.execute(sql: "INSERT INTO users(id, email, password_hash, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)",
                             arguments: [user, "\(user)@example.com", ts, ts])
            let room = try String.fetchOne(conn, sql: "SELECT id FROM rooms ORDER BY name LIMIT 1")!
            var personaIDs: [String] = []
            for n in 0..<personas {
                let id = Identifiers.newUUID()
                try conn.execute(sql: """
                    INSERT INTO personas(id, user_id, name, tone, writing_samples, daily_reply_quota, created_at, updated_at)
                    VALUES (?, ?, ?, 'calm', '["a","b","c"]', ?, ?, ?)
                    """, arguments: [id, user, "Persona \(n)", replyQuota, now.adding(microseconds: Int64(n)).storageString, ts])
                personaIDs.append(id)
            }
            var postIDs: [String] = []
            for n in 0..<posts {
                let id = Identifiers.newUUID()
                try conn.execute(sql: """
                    INSERT INTO posts(id, room_id, user_id, authored_by, status, content, published_at, created_at, updated_at)
                    VALUES (?, ?, ?, 'HUMAN', 'PUBLISHED', ?, ?, ?, ?)
                    """, arguments: [id, room, user, "Post number \(n). What do you think?", ts, ts, ts])
                postIDs.append(id)
            }
            return (user, personaIDs, postIDs)
        }
    }
}
