import Domain
import Synchronization

/// An `LLMClient` whose thread summaries wait behind a gate the test opens, and are counted; replies and other texts
/// come back at once. Makes "how many provider calls did N concurrent views make" deterministic: the test holds
/// the gate shut until every view has arrived.
public final class GatedSummaryLLM: LLMClient {
    private struct State {
        var open: Bool
        var calls = 0
        var failuresLeft = 0
        var cancelledCalls = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    public init(open: Bool = false) { state = Mutex(State(open: open)) }

    /// `summarizeThread` calls so far.
    public var summaryCalls: Int { state.withLock { $0.calls } }

    /// Calls whose task was cancelled while they waited at the gate.
    public var cancelledCalls: Int { state.withLock { $0.cancelledCalls } }

    /// Lets every waiting and later summary through.
    public func open() {
        let waiting = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiting = [] }
            return s.waiting
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Holds later summaries at the gate again.
    public func close() { state.withLock { $0.open = false } }

    /// The next `count` summaries fail (a provider error) once through the gate.
    public func failNext(_ count: Int) { state.withLock { $0.failuresLeft = count } }

    public func summarizeThread(post: LLMText, replies: [LLMText]) async throws -> String {
        let call = state.withLock { s -> Int in
            s.calls += 1
            return s.calls
        }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let passes = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiting.append(waiter)
                return false
            }
            if passes { waiter.resume() }
        }
        let fail = state.withLock { s -> Bool in
            if Task.isCancelled { s.cancelledCalls += 1 }
            guard s.failuresLeft > 0 else { return false }
            s.failuresLeft -= 1
            return true
        }
        if fail { throw LLMError("gated failure", retryable: true) }
        return "summary \(call) of \(replies.count) replies"
    }

    public func generatePostDraft(persona: LLMPersona, room: LLMRoom) async throws -> String { "A draft for \(room.name). What do you think?" }

    public func generateReply(persona: LLMPersona, post: LLMText, thread: [LLMText], template: LLMTemplate?) async throws -> String {
        "\(persona.name) has a view."
    }

    public func summarizePersonaActivity(persona: LLMPersona, posts: Int, replies: Int, threads: [LLMThreadActivity]) async throws -> String {
        "activity"
    }
}
