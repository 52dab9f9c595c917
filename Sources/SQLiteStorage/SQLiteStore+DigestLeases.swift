import Domain
import GRDB
import Storage

/// Leases on digest work: claimed in a write transaction, checked again by the write that finishes the work.
extension SQLiteStore {
    /// Takes the lease for `holder` until `until` if it is free or expired, in one conditional upsert (atomic under
    /// concurrent writers on any engine); false when another holder has it.
    static func claimLease(
        _ db: Database, kind: DigestKind, subject: String, period: String, holder: String, until: Timestamp, now: Timestamp
    ) throws -> Bool {
        try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    INSERT INTO digest_leases(kind, subject_id, period, holder, expires_at) VALUES (:kind, :subject, :period, :holder, :until)
                    ON CONFLICT(kind, subject_id, period) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                    WHERE digest_leases.expires_at <= :now
                    RETURNING holder
                    """),
            arguments: [
                "kind": kind.rawValue, "subject": subject, "period": period, "holder": holder, "until": until.storageString,
                "now": now.storageString,
            ]) != nil
    }

    /// Moves the expiry of a lease `holder` holds; false when it no longer holds it.
    static func extendLease(_ db: Database, kind: DigestKind, subject: String, period: String, holder: String, until: Timestamp) throws -> Bool {
        try db.cachedStatement(
            sql: "UPDATE digest_leases SET expires_at = ? WHERE kind = ? AND subject_id = ? AND period = ? AND holder = ?"
        ).execute(arguments: [until.storageString, kind.rawValue, subject, period, holder])
        return db.changesCount > 0
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
