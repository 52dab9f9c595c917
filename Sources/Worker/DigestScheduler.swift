import Domain
import LLM
import Logging
import ServiceLifecycle
import Storage

/// Computes the daily persona digests and the weekly user digests in batches, on its own service so the job
/// loops never wait for it. Each subject is claimed with a lease in a write transaction, computed (LLM included)
/// outside any transaction, and written by a second short transaction that checks the lease still holds, so two
/// processes on one database file never write the same digest twice. A provider failure writes nothing: the
/// previous digest stays in place and the subject is retried once its lease expires. Day and ISO-week
/// boundaries are UTC, from the injected clock.
public struct DigestScheduler: Service {
    public struct Settings: Sendable {
        public var interval: Double
        public var batch: Int
        public var summaryMaxLength: Int
        /// How long a claim protects work in progress: long enough for a whole batch of provider calls (a weekly
        /// user takes up to three), so finished work is not thrown away; a failed subject is retried after it.
        public var lease: Double = 600
        /// How often a user's weekly digest is recomputed.
        public var weeklyRecheck: Double = 6 * 3600
        /// How old a persona's daily digest must be before new activity makes it due again (its first digest of the
        /// day is due at the next pass). Why: every summary with activity is a provider call, and a persona replying
        /// all day would otherwise be summarised again at every pass (every `WORKER_POLL_EVERY`, 3 s by default);
        /// the original's one persona per tick bounded those calls, and a minute-old digest is fresh enough to read.
        public var dailyRefreshAge: Double = 60
        /// The shortest wait between passes, whatever `interval` says. Why: `serve` passes `WORKER_POLL_EVERY`, the job
        /// poll's fallback, which an operator may lower for quicker pick-up; a pass reads the recent activity of every
        /// persona, far more than a job poll, and a digest written a second later is no loss. At 50 ms every node made
        /// twenty such passes a second.
        public var minimumInterval: Double = 1
        /// How far back a pass looks for personas with new activity; every `dailyFullLookEvery` a pass looks at all of
        /// today's. Why: a look reads every activity event of its window, and a pass every `WORKER_POLL_EVERY` on every
        /// node that read the whole day cost more with every reply the day had (`personaworlds-bench`, part
        /// digest-look). A persona's digest is due at most `dailyRefreshAge` after its newest activity, well inside the
        /// window, so the passes between full looks find it; only a persona left due (the batch was full, another node
        /// held its lease, or its summary failed and the lease had to expire) waits for the next full look.
        public var dailyRecentWindow: Double = 600
        public var dailyFullLookEvery: Double = 600

        /// When the last full look was, after a pass at `now`: a full look counts only if its daily look ran to the end.
        /// Why: a look that failed (the database did not answer) saw nothing, and the passes until the next full look
        /// read the recent window only, so a persona left due from earlier in the day would wait for it.
        public func lastFullLook(after pass: Pass, fullLook: Bool, at now: Timestamp, previous: Timestamp?) -> Timestamp? {
            fullLook && pass.dailyLooked ? now : previous
        }

        /// The wait between two passes.
        public var passInterval: Double { max(interval, minimumInterval) }

        /// Whether a pass at `now` looks at all of today's activity: the first pass, then once `dailyFullLookEvery` has
        /// passed since the last full look (or the clock went back).
        public func isFullLook(now: Timestamp, lastFullLook: Timestamp?) -> Bool {
            guard let last = lastFullLook, now >= last else { return true }
            return now >= last.adding(seconds: dailyFullLookEvery)
        }

        public init(interval: Double, batch: Int = 50, summaryMaxLength: Int) {
            self.interval = interval
            self.batch = batch
            self.summaryMaxLength = summaryMaxLength
        }
    }

    let store: any DigestStore
    let llm: any LLMClient
    let clock: any AppClock
    let settings: Settings
    let logger: Logger
    let holder = Identifiers.newUUID()

    public init(store: any DigestStore, llm: any LLMClient, clock: any AppClock, settings: Settings, logger: Logger) {
        self.store = store
        self.llm = llm
        self.clock = clock
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        var passes = 0
        var lastFullLook: Timestamp?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = clock.now()
            let fullLook = settings.isFullLook(now: now, lastFullLook: lastFullLook)
            let pass = await tick(fullLook: fullLook)
            lastFullLook = settings.lastFullLook(after: pass, fullLook: fullLook, at: now, previous: lastFullLook)
            passes += 1
            // Weekly leases double as "checked until" markers; past weeks' leases are dead weight, dropped now and then.
            if passes % 1000 == 1 { try? await store.purgeDigestLeases(before: clock.now().adding(seconds: -86_400)) }
            // Graceful shutdown ends the wait at once (a long WORKER_POLL_EVERY must not hold a stopping process).
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(Int64(saturating: self.settings.passInterval * 1000)))
            }
        }
    }

    /// What one pass did: the digests it wrote, and whether its daily look at the activity ran to the end.
    public struct Pass: Sendable, Equatable {
        public var daily = 0
        public var weekly = 0
        public var dailyLooked = false

        public init(daily: Int = 0, weekly: Int = 0, dailyLooked: Bool = false) {
            self.daily = daily
            self.weekly = weekly
            self.dailyLooked = dailyLooked
        }
    }

    /// One pass: a batch of daily digests, then a batch of weekly ones. The daily look reads today's activity, or with
    /// `fullLook` false the last `dailyRecentWindow` of it.
    @discardableResult
    public func tick(fullLook: Bool = true) async -> Pass {
        var pass = Pass()
        do {
            pass.daily = try await runDaily(fullLook: fullLook)
            pass.dailyLooked = true
        } catch {
            logger.warning("daily_digest_failed", metadata: ["detail": .string("\(error)")])
        }
        do { pass.weekly = try await runWeekly() } catch {
            logger.warning("weekly_digest_failed", metadata: ["detail": .string("\(error)")])
        }
        return pass
    }

    /// Claims a batch of due personas, then for each reads its day (outside the claim's transaction), summarises it
    /// and writes it. When a read or write fails, the leases not yet finished are given back before the error ends
    /// the pass, so the next pass retries them instead of waiting out the lease.
    func runDaily(fullLook: Bool) async throws -> Int {
        let now = clock.now()
        let work = try await store.claimDailyDigests(
            now: now, holder: holder, lease: settings.lease, limit: settings.batch, staleBefore: now.adding(seconds: -settings.dailyRefreshAge),
            activitySince: fullLook ? DailyQuota.windowStart(now) : now.adding(seconds: -settings.dailyRecentWindow))
        var written = 0
        for (index, item) in work.enumerated() {
            do {
                if try await writeDaily(item) { written += 1 }
            } catch {
                let unfinished = work[index...]
                do {
                    try await store.releaseDailyDigests(personaIDs: unfinished.map(\.persona.id), date: item.date, holder: holder)
                } catch {
                    logger.warning("daily_digest_release_failed", metadata: ["count": "\(unfinished.count)", "detail": .string("\(error)")])
                }
                throw error
            }
        }
        return written
    }

    /// One claimed persona's digest: its day read now (the digest is stamped with that moment, so activity that lands
    /// while the summary is written is newer than the row and makes it due again), summarised, and written under the
    /// lease. False when the provider failed (nothing is written; the lease expires and a later pass retries) or the
    /// write found the digest unchanged or the lease lost.
    private func writeDaily(_ item: DailyDigestWork) async throws -> Bool {
        let readAt = clock.now()
        let activity = try await store.personaDayActivity(personaID: item.persona.id, since: DailyQuota.windowStart(item.claimedAt))
        guard let summary = await dailySummary(item, activity: activity) else { return false }
        let result = try await store.finishDailyDigest(
            personaID: item.persona.id, date: item.date, summary: summary, stats: DailyDigestRules.encodeStats(activity),
            holder: holder, snapshotAt: readAt, now: clock.now())
        guard result == .written else { return false }
        logger.info("digest_written", metadata: ["kind": "daily", "subject": .string(item.persona.id), "period": .string(item.date)])
        return true
    }

    /// The day's summary, or nil when the provider failed (nothing is written then; a later tick retries).
    func dailySummary(_ item: DailyDigestWork, activity: PersonaDayActivity) async -> String? {
        guard activity.hasActivity else { return DailyDigestRules.noActivityText(language: item.language).truncatedRunes(settings.summaryMaxLength) }
        let threads = activity.threads.map {
            LLMThreadActivity(
                postID: $0.postID, roomName: $0.roomName ?? "", postPreview: $0.postPreview ?? "",
                activityCount: $0.activityCount)
        }
        do {
            let text = try await llm.summarizePersonaActivity(
                persona: item.persona, posts: activity.posts, replies: activity.replies, threads: threads
            )
            .trimmingWhitespace()
            let summary = text.isEmpty ? DailyDigestRules.fallbackSummary(activity: activity, language: item.language) : text
            return summary.truncatedRunes(settings.summaryMaxLength)
        } catch {
            logger.warning("daily_digest_llm_failed", metadata: ["persona_id": .string(item.persona.id), "detail": .string("\(error)")])
            return nil
        }
    }

    func runWeekly() async throws -> Int {
        let now = clock.now()
        let weekStart = WeeklyDigestRules.weekStartDate(now)
        let users = try await store.claimWeeklyDigests(
            weekStart: weekStart, now: now, staleBefore: now.adding(seconds: -settings.weeklyRecheck),
            holder: holder, lease: settings.lease, limit: settings.batch)
        guard !users.isEmpty else { return 0 }
        let engaged = try await store.weeklyEngagedBattles(
            engagementSince: now.adding(seconds: -14 * 86_400),
            createdSince: now.adding(seconds: -7 * 86_400))
        var written = 0
        for user in users {
            guard let items = try await weeklyItems(userID: user, engaged: engaged, now: now) else { continue }
            let result = try await store.finishWeeklyDigest(
                userID: user, weekStart: weekStart, itemsJSON: WeeklyDigestRules.encodeItems(items),
                holder: holder, now: clock.now(), checkedUntil: now.adding(seconds: settings.weeklyRecheck))
            if result == .written {
                written += 1
                logger.info("digest_written", metadata: ["kind": "weekly", "subject": .string(user), "period": .string(weekStart)])
            }
        }
        return written
    }

    /// The user's top battles of the week with their summaries; nil when a provider call failed.
    func weeklyItems(userID: String, engaged: [WeeklyPost], now: Timestamp) async throws -> [WeeklyDigestItem]? {
        let inputs = try await store.weeklyUserInputs(userID: userID, now: now)
        var byID: [String: WeeklyPost] = [:]
        for post in engaged where post.ownerID != userID { byID[post.candidate.battleID] = post }
        for post in inputs.extra where byID[post.candidate.battleID] == nil { byID[post.candidate.battleID] = post }
        let candidates = byID.values.filter { !inputs.seen.contains($0.candidate.battleID) }.map { post -> WeeklyCandidate in
            var c = post.candidate
            c.followed = post.personaID.map(inputs.followedPersonas.contains) ?? false
            return c
        }
        var items: [WeeklyDigestItem] = []
        for candidate in WeeklyDigestRules.rank(candidates, now: now) {
            let topic = WeeklyDigestRules.topic(content: candidate.content)
            let replies = try await store.firstReplies(postID: candidate.battleID, limit: 4)
            let summary: String
            do {
                let text = try await llm.summarizeThread(post: LLMText(id: candidate.battleID, content: candidate.content), replies: replies)
                let sentence = WeeklyDigestRules.oneSentence(text, max: 220)
                summary =
                    sentence.isEmpty
                    ? WeeklyDigestRules.fallbackSummary(
                        topic: topic, roomName: candidate.roomName, shares: candidate.shares, remixes: candidate.remixes)
                    : sentence
            } catch {
                logger.warning("weekly_digest_llm_failed", metadata: ["user_id": .string(userID), "detail": .string("\(error)")])
                return nil
            }
            items.append(
                WeeklyDigestItem(
                    battleID: candidate.battleID, roomID: candidate.roomID, roomName: candidate.roomName, topic: topic,
                    summary: summary, score: WeeklyDigestRules.roundScore(candidate.score(now: now)),
                    createdAt: candidate.createdAt))
        }
        return items
    }
}
