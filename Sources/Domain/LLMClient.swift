/// The LLM port: four operations, a mock and an OpenAI-compatible implementation.
public protocol LLMClient: Sendable {
    /// A post draft in the persona's voice for a room; `variant` 1 or 2.
    func generatePostDraft(persona: LLMPersona, room: LLMRoom) async throws -> String
    /// One reply to a post given the thread so far (oldest first).
    func generateReply(persona: LLMPersona, post: LLMText, thread: [LLMText], template: LLMTemplate?) async throws -> String
    /// A short summary of a thread.
    func summarizeThread(post: LLMText, replies: [LLMText]) async throws -> String
    /// A digest paragraph of a persona's day.
    func summarizePersonaActivity(persona: LLMPersona, posts: Int, replies: Int, threads: [LLMThreadActivity]) async throws -> String
}

/// Persona fields an LLM call may use (calibration only for drafts).
public struct LLMPersona: Sendable, Equatable {
    public var id: String
    public var name: String
    public var bio: String
    public var tone: String
    public var writingSamples: [String]
    public var doNotSay: [String]
    public var catchphrases: [String]
    public var preferredLanguage: String
    public var formality: Int

    public init(
        id: String, name: String, bio: String, tone: String, writingSamples: [String] = [], doNotSay: [String] = [],
        catchphrases: [String] = [], preferredLanguage: String = "en", formality: Int = 1
    ) {
        self.id = id
        self.name = name
        self.bio = bio
        self.tone = tone
        self.writingSamples = writingSamples
        self.doNotSay = doNotSay
        self.catchphrases = catchphrases
        self.preferredLanguage = preferredLanguage
        self.formality = formality
    }

    /// The full persona, calibration included (drafts and previews).
    public init(_ persona: Persona) {
        let f = persona.fields
        self.init(
            id: persona.id, name: f.name, bio: f.bio, tone: f.tone, writingSamples: f.writingSamples, doNotSay: f.doNotSay,
            catchphrases: f.catchphrases, preferredLanguage: f.preferredLanguage, formality: f.formality)
    }
}

/// The room a draft is written for.
public struct LLMRoom: Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String
    public var variant: Int

    public init(id: String, name: String, description: String, variant: Int) {
        self.id = id
        self.name = name
        self.description = description
        self.variant = variant
    }
}

/// A post or reply as LLM input.
public struct LLMText: Sendable, Equatable {
    public var id: String
    public var content: String

    public init(id: String, content: String) {
        self.id = id
        self.content = content
    }
}

/// Template rules that shape a battle reply (they reach the prompt).
public struct LLMTemplate: Sendable, Equatable {
    public var name: String
    public var promptRules: String
    public var wordLimit: Int

    public init(name: String, promptRules: String, wordLimit: Int) {
        self.name = name
        self.promptRules = promptRules
        self.wordLimit = wordLimit
    }
}

/// One thread in a persona's daily activity.
public struct LLMThreadActivity: Sendable, Equatable {
    public var postID: String
    public var roomName: String
    public var postPreview: String
    public var activityCount: Int

    public init(postID: String, roomName: String, postPreview: String, activityCount: Int) {
        self.postID = postID
        self.roomName = roomName
        self.postPreview = postPreview
        self.activityCount = activityCount
    }
}

/// An LLM failure; `retryable` decides between a job retry and a permanent failure.
public struct LLMError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let retryable: Bool

    public init(_ message: String, retryable: Bool) {
        self.message = message
        self.retryable = retryable
    }
    public var description: String { message }
}
