import Domain
import Storage
import TestSupport
import Testing

/// Digest leases: one holder per (kind, subject, period) at a time, an expired lease taken over, and the finishing
/// write of a holder that lost its lease fenced.
@Suite struct DigestLeaseConformance {
    /// `count` personas with a published post today.
    static func activePersonas(_ f: StoreFixture, _ count: Int) async throws -> [Persona] {
        let owner = try await f.user()
        var personas: [Persona] = []
        for n in 0..<count {
            let persona = try await f.persona(of: owner, name: "P\(n)")
            _ = try await f.publishedPost(by: persona)
            personas.append(persona)
        }
        return personas
    }

    /// A scheduler whose read after its claim failed gives its leases back: the personas are claimable at once, not
    /// after the lease's expiry, and a lease that passed to another holder (or another day's) is left alone.
    @Test(arguments: StoreBackend.available)
    func releasedDailyLeasesAreClaimableAtOnceAndOnlyTheHoldersOwnAreReleased(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let personas = try await Self.activePersonas(f, 3)
        let held = try await f.store.claimDailyDigests(now: f.now, holder: "h1", lease: 60, limit: 2)
        #expect(held.count == 2)
        let other = try await f.store.claimDailyDigests(now: f.now, holder: "h2", lease: 60, limit: 10)
        #expect(other.map(\.persona.id) == personas.map(\.id).filter { id in !held.contains { $0.persona.id == id } })
        let everyone = personas.map(\.id)
        try await f.store.releaseDailyDigests(personaIDs: everyone, date: f.now.startOfDay.adding(seconds: -1).dateString, holder: "h1")
        #expect(try await f.store.claimDailyDigests(now: f.now, holder: "h3", lease: 60, limit: 10).isEmpty, "yesterday's: nothing released")
        try await f.store.releaseDailyDigests(personaIDs: everyone, date: f.now.dateString, holder: "h1")
        let retaken = try await f.store.claimDailyDigests(now: f.now, holder: "h3", lease: 60, limit: 10)
        #expect(Set(retaken.map(\.persona.id)) == Set(held.map(\.persona.id)), "h1's two are free again; h2's is still held")
        try await f.store.releaseDailyDigests(personaIDs: [], date: f.now.dateString, holder: "h3")
        try await f.store.releaseDailyDigests(personaIDs: ["not-an-id"], date: f.now.dateString, holder: "h3")
        #expect(try await f.store.claimDailyDigests(now: f.now, holder: "h4", lease: 60, limit: 10).isEmpty, "nothing else was released")
    }

    @Test(arguments: StoreBackend.available)
    func anExpiredDailyLeaseIsTakenOverAndTheHolderThatLostItWritesNothing(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let persona = try #require(try await Self.activePersonas(f, 1).first)
        let old = try #require(try await f.store.claimDailyDigests(now: f.now, holder: "h1", lease: 60, limit: 10).first)
        f.advance(59)
        #expect(try await f.store.claimDailyDigests(now: f.now, holder: "h2", lease: 60, limit: 10).isEmpty, "not yet expired")
        f.advance(1)
        let taken = try #require(try await f.store.claimDailyDigests(now: f.now, holder: "h2", lease: 60, limit: 10).first)
        #expect(taken.persona.id == persona.id)
        let lost = try await f.store.finishDailyDigest(
            personaID: persona.id, date: old.date, summary: "stale", stats: "{}", holder: "h1", snapshotAt: old.claimedAt, now: f.now)
        #expect(lost == .lostLease)
        #expect(try await f.store.personaDigest(personaID: persona.id, date: nil) == nil, "the stale holder wrote nothing")
        let won = try await f.store.finishDailyDigest(
            personaID: persona.id, date: taken.date, summary: "fresh", stats: "{}", holder: "h2", snapshotAt: taken.claimedAt, now: f.now)
        #expect(won == .written)
        #expect(try await f.store.personaDigest(personaID: persona.id, date: nil)?.summary == "fresh")
    }

    @Test(arguments: StoreBackend.available)
    func aHolderWhoseLeaseExpiredIsFencedEvenWhenNobodyTookItOver(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let persona = try #require(try await Self.activePersonas(f, 1).first)
        let item = try #require(try await f.store.claimDailyDigests(now: f.now, holder: "h1", lease: 60, limit: 10).first)
        f.advance(60)
        let write = try await f.store.finishDailyDigest(
            personaID: persona.id, date: item.date, summary: "late", stats: "{}", holder: "h1", snapshotAt: item.claimedAt, now: f.now)
        #expect(write == .lostLease)
        #expect(try await f.store.personaDigest(personaID: persona.id, date: nil) == nil)
    }

    @Test(arguments: StoreBackend.available)
    func purgingDropsOnlyExpiredLeases(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        _ = try await Self.activePersonas(f, 2)
        let short = try #require(try await f.store.claimDailyDigests(now: f.now, holder: "h1", lease: 10, limit: 1).first)
        let long = try #require(try await f.store.claimDailyDigests(now: f.now, holder: "h1", lease: 100, limit: 1).first)
        f.advance(11)
        try await f.store.purgeDigestLeases(before: f.now)
        let free = try await f.store.claimDailyDigests(now: f.now, holder: "h2", lease: 60, limit: 10)
        #expect(free.map(\.persona.id) == [short.persona.id], "the expired lease is free, the live one kept")
        let write = try await f.store.finishDailyDigest(
            personaID: long.persona.id, date: long.date, summary: "s", stats: "{}", holder: "h1", snapshotAt: long.claimedAt, now: f.now)
        #expect(write == .written)
    }

    /// Race: holders claiming concurrently never get the same persona; every due persona is claimed exactly once.
    @Test(arguments: StoreBackend.available)
    func concurrentDailyHoldersNeverClaimTheSamePersona(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let personas = try await Self.activePersonas(f, 24)
        let outcomes = await concurrently(8) { holder in
            var mine: [String] = []
            while true {
                let batch = try await f.store.claimDailyDigests(now: f.now, holder: "holder-\(holder)", lease: 60, limit: 4)
                if batch.isEmpty { return mine }
                mine += batch.map(\.persona.id)
            }
        }
        let claimed = try outcomes.flatMap { try $0.get() }
        #expect(claimed.count == personas.count)
        #expect(Set(claimed) == Set(personas.map(\.id)))
    }

    /// Race: two holders finishing concurrently after a takeover: only the current holder writes.
    @Test(arguments: StoreBackend.available)
    func concurrentFinishesAfterATakeoverWriteOnlyTheCurrentHolders(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let personas = try await Self.activePersonas(f, 10)
        let old = try await f.store.claimDailyDigests(now: f.now, holder: "old", lease: 60, limit: 10)
        f.advance(61)
        let new = try await f.store.claimDailyDigests(now: f.now, holder: "new", lease: 60, limit: 10)
        #expect(old.count == 10 && new.count == 10)
        let outcomes = await concurrently(20) { n in
            let item = n < 10 ? old[n] : new[n - 10]
            let holder = n < 10 ? "old" : "new"
            return try await f.store.finishDailyDigest(
                personaID: item.persona.id, date: item.date, summary: holder, stats: "{}", holder: holder, snapshotAt: item.claimedAt,
                now: f.now)
        }
        let writes = try outcomes.map { try $0.get() }
        #expect(writes.prefix(10).allSatisfy { $0 == .lostLease })
        #expect(writes.suffix(10).allSatisfy { $0 == .written })
        for persona in personas { #expect(try await f.store.personaDigest(personaID: persona.id, date: nil)?.summary == "new") }
    }
}
