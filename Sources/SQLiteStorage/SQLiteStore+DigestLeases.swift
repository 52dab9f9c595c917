import Domain
import GRDB
import Storage

/// Leases on digest work: claimed in a write transaction, checked again by the write that finishes the work.
extension SQLiteStore {
    static func leaseIsFree(_ db: Database, kind: DigestKind, subject: String, period: String, now: Timestamp) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT NOT EXISTS(SELECT 1 FROM digest_leases WHERE kind = ? AND subject_id = ? AND period = ? AND expires_at > ?)
                    """), arguments: [kind.rawValue, subject, period, now.storageString]) ?? true
    }

    static func takeLease(_ db: Database, kind: DigestKind, subject: String, period: String, holder: String, until: Timestamp) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO digest_leases(kind, subject_id, period, holder, expires_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(kind, subject_id, period) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                """
        ).execute(arguments: [kind.rawValue, subject, period, holder, until.storageString])
    }

    /// Whether `holder` still holds the lease (it may have expired and passed to another process).
    static func holdsLease(_ db: Database, kind: DigestKind, subject: String, period: String, holder: String, now: Timestamp) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT EXISTS(SELECT 1 FROM digest_leases WHERE kind = ? AND subject_id = ? AND period = ? AND holder = ? AND expires_at > ?)
                    """), arguments: [kind.rawValue, subject, period, holder, now.storageString]) ?? false
    }

    static func releaseLease(_ db: Database, kind: DigestKind, subject: String, period: String) throws {
        try db.cachedStatement(sql: "DELETE FROM digest_leases WHERE kind = ? AND subject_id = ? AND period = ?")
            .execute(arguments: [kind.rawValue, subject, period])
    }

    /// Drops leases that expired before `before` (housekeeping; an expired lease already counts as free).
    public func purgeDigestLeases(before: Timestamp) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM digest_leases WHERE expires_at <= ?", arguments: [before.storageString])
        }
    }
}
