import Domain
import Foundation
import PostgresNIO
import Storage

/// Leases on digest work: claimed with one conditional upsert, checked again by the write that finishes the work.
extension PostgresStore {
    /// Takes the lease for `holder` until `until` if it is free or expired, in one conditional upsert: a concurrent
    /// claimer waits on the row and re-checks the condition against the winner's lease, so only one holder gets it.
    static func claimLease(
        _ db: Connection, kind: DigestKind, subject: UUID, period: String, holder: String, until: Timestamp, now: Timestamp
    ) async throws -> Bool {
        try await !db.rows(
            """
            INSERT INTO digest_leases(kind, subject_id, period, holder, expires_at) VALUES (\(kind.rawValue), \(subject), \(SQLDate(period)), \(holder), \(until))
            ON CONFLICT (kind, subject_id, period) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
            WHERE digest_leases.expires_at <= \(now)
            RETURNING holder
            """
        ).isEmpty
    }

    /// Claims the leases of `subjects` (`claimLease` each) in id order, in the caller's transaction; returns those it got.
    /// Why the order: a lease taken stays locked until the transaction ends, and the schedulers' due order moves as
    /// digests are written, so two nodes claiming in it could take two subjects in opposite orders and wait for each
    /// other (a deadlock, which PostgreSQL breaks by failing one pass). In one order, one waits for the other at most.
    static func claimLeases(
        _ db: Connection, kind: DigestKind, subjects: [UUID], period: String, holder: String, until: Timestamp, now: Timestamp
    ) async throws -> Set<UUID> {
        var claimed = Set<UUID>()
        for subject in Set(subjects).sorted(by: StoreID.precedes) {
            if try await claimLease(db, kind: kind, subject: subject, period: period, holder: holder, until: until, now: now) {
                claimed.insert(subject)
            }
        }
        return claimed
    }

    /// Moves the expiry of a lease `holder` holds; false when it no longer holds it.
    @discardableResult
    static func extendLease(
        _ db: Connection, kind: DigestKind, subject: UUID, period: String, holder: String, until: Timestamp
    ) async throws
        -> Bool
    {
        try await db.execute(
            """
            UPDATE digest_leases SET expires_at = \(until)
            WHERE kind = \(kind.rawValue) AND subject_id = \(subject) AND period = \(SQLDate(period)) AND holder = \(holder)
            """) > 0
    }

    /// Whether `holder` still holds the lease (it may have expired and passed to another node). Locks the row, so the
    /// lease cannot pass to another holder before this transaction ends.
    static func holdsLease(
        _ db: Connection, kind: DigestKind, subject: UUID, period: String, holder: String, now: Timestamp
    ) async throws
        -> Bool
    {
        try await !db.rows(
            """
            SELECT 1 FROM digest_leases
            WHERE kind = \(kind.rawValue) AND subject_id = \(subject) AND period = \(SQLDate(period)) AND holder = \(holder) AND expires_at > \(now)
            FOR UPDATE
            """
        ).isEmpty
    }

    static func releaseLease(_ db: Connection, kind: DigestKind, subject: UUID, period: String) async throws {
        try await db.execute(
            "DELETE FROM digest_leases WHERE kind = \(kind.rawValue) AND subject_id = \(subject) AND period = \(SQLDate(period))")
    }

    /// Drops leases that expired before `before` (housekeeping; an expired lease already counts as free).
    public func purgeDigestLeases(before: Timestamp) async throws {
        _ = try await quick { db in try await db.execute("DELETE FROM digest_leases WHERE expires_at <= \(before)") }
    }
}
