import Domain

/// The deterministic default provider (the contract's fixed texts). Output is trimmed to the length caps,
/// never rejected, and `latency` simulates a provider for load tests, bounded by the caller's deadline.
public struct MockLLM: LLMClient {
    /// Length caps the output is trimmed to.
    public struct Caps: Sendable {
        public var draft: Int
        public var reply: Int
        public var summary: Int

        public init(draft: Int = 500, reply: Int = 280, summary: Int = 400) {
            self.draft = draft
            self.reply = reply
            self.summary = summary
        }
    }

    let caps: Caps
    let latency: Double

    public init(caps: Caps = Caps(), latency: Double = 0) {
        self.caps = caps
        self.latency = latency
    }

    public func generatePostDraft(persona: LLMPersona, room: LLMRoom) async throws -> String {
        try await simulateLatency()
        var insight =
            room.variant == 2
            ? "shipping a visible changelog improves community trust and feedback quality"
            : "small weekly experiments create compounding product learning"
        if let first = persona.catchphrases.first?.trimmingWhitespace(), !first.isEmpty { insight = "\(first): \(insight)" }
        let text =
            isTurkish(persona)
            ? "\(room.name) odasında \(persona.name) için içgörü: \(insight). Sende bu yaklaşımın işe yaradığı bir örnek var mı?"
            : "In \(room.name), an insight for \(persona.name) is that \(insight). What is one concrete example where this worked for you?"
        return text.truncatedRunes(caps.draft)
    }

    public func generateReply(persona: LLMPersona, post: LLMText, thread: [LLMText], template: LLMTemplate?) async throws -> String {
        try await simulateLatency()
        let fixed =
            ": I agree with the direction of the post. My practical addition is to run a small experiment, measure outcomes, and share findings. (thread replies: \(thread.count))"
        let head = "\(persona.name) reply (\(persona.tone))"
        // Keep the fixed sentence intact: shorten the name/tone head when the whole would exceed the cap.
        let room = caps.reply - fixed.runeCount
        let fittedHead = head.runeCount <= room ? head : head.truncatedRunes(max(1, room))
        return (fittedHead + fixed).truncatedRunes(caps.reply)
    }

    public func summarizeThread(post: LLMText, replies: [LLMText]) async throws -> String {
        try await simulateLatency()
        guard !replies.isEmpty else { return "No replies yet. The thread is waiting for first reactions." }
        let themes = replies.prefix(3).map(\.content).joined(separator: " | ")
        return "Post focus: \(post.content). Main reply themes: \(themes)".truncatedRunes(caps.summary)
    }

    public func summarizePersonaActivity(persona: LLMPersona, posts: Int, replies: Int, threads: [LLMThreadActivity]) async throws -> String {
        try await simulateLatency()
        let tr = isTurkish(persona)
        if posts == 0 && replies == 0 {
            return tr
                ? "\(persona.name) için bugün yeni bir aktivite yok. Uygun olduğunda yeni taslaklar ve yanıtlar burada özetlenecek."
                : "No new activity for \(persona.name) today yet. New posts and replies will appear here once they happen."
        }
        let parts = threads.prefix(3).map { t in "\(t.roomName.trimmingWhitespace().isEmpty ? "room" : t.roomName) (\(t.activityCount) events)" }
        let list = parts.isEmpty ? "no dominant threads yet" : parts.joined(separator: ", ")
        let text =
            tr
            ? "Bugün \(posts) gönderi ve \(replies) yanıt üretildi. En dikkat çeken başlıklar: \(list)."
            : "Today the persona produced \(posts) posts and \(replies) replies. The most active threads were: \(list)."
        return text.truncatedRunes(caps.summary)
    }

    private func isTurkish(_ persona: LLMPersona) -> Bool { persona.preferredLanguage.trimmingWhitespace().lowercased() == "tr" }

    /// Sleeps for `latency`, failing (retryably) if the caller's deadline comes first.
    private func simulateLatency() async throws {
        guard latency > 0 else { return }
        let wait = UInt64(saturating: latency * 1e9)
        let deadline = RequestDeadline.nanos
        if deadline > 0 {
            let now = Monotonic.nanos()
            let remaining = deadline > now ? deadline - now : 0
            if remaining < wait {
                try await Task.sleep(nanoseconds: remaining)
                throw LLMError("mock provider: deadline exceeded", retryable: true)
            }
        }
        try await Task.sleep(nanoseconds: wait)
    }
}
