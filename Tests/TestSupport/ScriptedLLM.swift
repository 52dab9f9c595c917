import Domain
import Synchronization

/// An `LLMClient` test double whose reply behaviour is scripted per call; other operations use fixed text.
public final class ScriptedLLM: LLMClient {
    /// What the next `generateReply` call does.
    public enum Step: Sendable {
        case reply(String)
        case fail(retryable: Bool)
        case sleep(Double)
    }

    private let steps: Mutex<[Step]>
    private let calls = Mutex(0)

    public init(_ steps: [Step] = []) { self.steps = Mutex(steps) }

    /// How many `generateReply` calls were made.
    public var replyCalls: Int { calls.withLock { $0 } }

    public func push(_ step: Step) { steps.withLock { $0.append(step) } }

    public func generatePostDraft(persona: LLMPersona, room: LLMRoom) async throws -> String { "A draft for \(room.name). What do you think?" }

    public func generateReply(persona: LLMPersona, post: LLMText, thread: [LLMText], template: LLMTemplate?) async throws -> String {
        calls.withLock { $0 += 1 }
        let step = steps.withLock { $0.isEmpty ? Step.reply("\(persona.name) says hi") : $0.removeFirst() }
        switch step {
        case .reply(let text): return text
        case .fail(let retryable): throw LLMError("scripted failure", retryable: retryable)
        case .sleep(let seconds):
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            return "\(persona.name) replied slowly"
        }
    }

    public func summarizeThread(post: LLMText, replies: [LLMText]) async throws -> String { "summary of \(replies.count)" }

    public func summarizePersonaActivity(persona: LLMPersona, posts: Int, replies: Int, threads: [LLMThreadActivity]) async throws -> String {
        "activity"
    }
}
