import Domain
import Foundation
import HTTPClient

/// OpenAI-compatible chat-completions provider; its deadline never exceeds the caller's request or job deadline.
public struct OpenAILLM: LLMClient {
    /// Provider settings from the configuration.
    public struct Settings: Sendable {
        public var baseURL: String
        public var apiKey: String
        public var model: String
        public var requestTimeout: Double
        public var maxRetries: Int
        public var retryBase: Double

        public init(baseURL: String, apiKey: String, model: String, requestTimeout: Double = 20, maxRetries: Int = 2, retryBase: Double = 0.4) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
            self.requestTimeout = requestTimeout
            self.maxRetries = min(max(0, maxRetries), 5)
            self.retryBase = retryBase
        }

        /// `<base>/v1/chat/completions`, or `<base>/chat/completions` when the base already ends in `/v1`.
        var endpoint: String {
            var base = Substring(baseURL)
            while base.hasSuffix("/") { base = base.dropLast() }
            return base.hasSuffix("/v1") ? "\(base)/chat/completions" : "\(base)/v1/chat/completions"
        }
    }

    let settings: Settings
    let transport: any HTTPTransport
    let cache: (any LLMResponseCache)?
    let observe: @Sendable (_ op: String, _ outcome: String, _ seconds: Double) -> Void

    /// - Parameter cache: prompt-keyed response cache; thread summaries are cached by their caller instead.
    public init(
        settings: Settings, transport: any HTTPTransport, cache: (any LLMResponseCache)? = nil,
        observe: @escaping @Sendable (String, String, Double) -> Void = { _, _, _ in }
    ) {
        self.settings = settings
        self.transport = transport
        self.cache = cache
        self.observe = observe
    }

    public func generatePostDraft(persona: LLMPersona, room: LLMRoom) async throws -> String {
        try await complete(op: "draft", prompt: Prompts.draft(persona: persona, room: room))
    }

    public func generateReply(persona: LLMPersona, post: LLMText, thread: [LLMText], template: LLMTemplate?) async throws -> String {
        try await complete(op: "reply", prompt: Prompts.reply(persona: persona, post: post, thread: thread, template: template))
    }

    public func summarizeThread(post: LLMText, replies: [LLMText]) async throws -> String {
        try await complete(op: "thread_summary", prompt: Prompts.threadSummary(post: post, replies: replies))
    }

    public func summarizePersonaActivity(persona: LLMPersona, posts: Int, replies: Int, threads: [LLMThreadActivity]) async throws -> String {
        try await complete(op: "persona_summary", prompt: Prompts.personaActivity(persona: persona, posts: posts, replies: replies, threads: threads))
    }

    /// Runs one completion with retries, never past the caller's deadline.
    func complete(op: String, prompt: Prompt) async throws -> String {
        let key =
            (cache != nil && op != "thread_summary")
            ? LLMCacheKey.make(["openai", settings.model, op, prompt.system, prompt.user]) : nil
        if let key, let hit = await cache?.cachedResponse(key: key) { return hit }
        let start = Monotonic.nanos()
        do {
            let text = try await attempts(prompt)
            observe(op, "ok", Double(Monotonic.nanos() - start) / 1e9)
            if let key { await cache?.storeResponse(key: key, operation: op, response: text) }
            return text
        } catch {
            observe(op, "error", Double(Monotonic.nanos() - start) / 1e9)
            throw error
        }
    }

    private func attempts(_ prompt: Prompt) async throws -> String {
        guard !settings.apiKey.isEmpty else { throw LLMError("OPENAI_API_KEY is required for openai provider", retryable: false) }
        let callerDeadline = RequestDeadline.nanos
        let deadline = callerDeadline > 0 ? callerDeadline : Monotonic.nanos(after: settings.requestTimeout)
        let body = try Prompts.requestBody(model: settings.model, prompt: prompt)
        var lastError = LLMError("openai provider: no attempt made", retryable: true)
        for attempt in 0...settings.maxRetries {
            let remaining = Self.secondsUntil(deadline)
            guard remaining > 0.001 else { throw LLMError("openai provider: deadline exceeded", retryable: true) }
            let request = OutboundRequest(
                url: settings.endpoint, method: "POST",
                headers: [("Authorization", "Bearer \(settings.apiKey)"), ("Content-Type", "application/json")],
                body: body, timeout: min(settings.requestTimeout, remaining))
            var retryAfter: Double?
            do {
                let response = try await transport.send(request)
                switch Self.interpret(response) {
                case .success(let text): return text
                case .failure(let error):
                    lastError = error
                    if response.status == 429, let header = response.headers["retry-after"], let seconds = Double(header.trimmingWhitespace()) {
                        retryAfter = seconds
                    }
                }
            } catch TransportError.cancelled {
                throw LLMError("openai provider: cancelled", retryable: true)
            } catch let error as TransportError {
                lastError = LLMError("openai provider: \(error)", retryable: true)
            }
            guard lastError.retryable, attempt < settings.maxRetries else { throw lastError }
            let backoff = max(0.05, settings.retryBase * pow(2, Double(attempt)) * Double.random(in: 0.8..<1.2))
            let wait = retryAfter.map { max($0, 0.05) } ?? backoff
            guard wait < Self.secondsUntil(deadline) else { throw lastError }
            try await Task.sleep(nanoseconds: UInt64(saturating: wait * 1e9))
        }
        throw lastError
    }

    /// Classifies a response: the trimmed first choice, or an error that says whether to retry.
    static func interpret(_ response: InboundResponse) -> Result<String, LLMError> {
        if response.status >= 400 {
            var text = String(decoding: response.body.prefix(1024), as: UTF8.self).trimmingWhitespace()
            if text.isEmpty { text = "status \(response.status)" }
            let retryable = response.status == 429 || response.status >= 500
            return .failure(LLMError("openai provider error: status=\(response.status) body=\(text)", retryable: retryable))
        }
        guard let parsed = try? JSONParser.parseFirst(response.body), !parsed.trailing, case .object(let object)? = parsed.value else {
            return .failure(LLMError("openai provider: invalid JSON response", retryable: true))
        }
        guard case .array(let choices)? = object.last(where: { $0.0 == "choices" })?.1, case .object(let first)? = choices.first else {
            return .failure(LLMError("openai provider: response has no choices", retryable: true))
        }
        var content = ""
        if case .object(let message)? = first.last(where: { $0.0 == "message" })?.1,
            case .string(let text)? = message.last(where: { $0.0 == "content" })?.1
        {
            content = text.trimmingWhitespace()
        }
        guard !content.isEmpty else { return .failure(LLMError("openai provider: empty completion", retryable: true)) }
        return .success(content)
    }

    static func secondsUntil(_ deadline: UInt64) -> Double {
        let now = Monotonic.nanos()
        return deadline > now ? Double(deadline - now) / 1e9 : 0
    }
}
