import Domain
import HTTPClient
import TestSupport
import Testing

@testable import LLM

/// The OpenAI-compatible provider over libcurl against a fake server on loopback.
@Suite struct OpenAIProviderTests {
    static let persona = LLMPersona(id: "p", name: "Ada", bio: "Builder", tone: "calm")
    static let post = LLMText(id: "x", content: "Post body")

    static func provider(_ base: String, retries: Int = 2, timeout: Double = 15, key: String = "sk-test") -> OpenAILLM {
        OpenAILLM(
            settings: .init(
                baseURL: base + "/", apiKey: key, model: "test-model", requestTimeout: timeout, maxRetries: retries,
                retryBase: 0.05), transport: CurlTransport())
    }

    @Test func successReturnsTrimmedContentAndSendsTheContractRequest() async throws {
        let fake = FakeOpenAIServer([.completion("  Hello there  ")])
        try await FakeOpenAIServer.run(fake) { base in
            let text = try await Self.provider(base).generateReply(persona: Self.persona, post: Self.post, thread: [], template: nil)
            #expect(text == "Hello there")
        }
        #expect(await fake.requestCount == 1)
        let body = try #require(await fake.requestBodies.first)
        #expect(body.contains(#""model":"test-model""#))
        #expect(body.contains(#""temperature":0.7"#))
        #expect(!body.contains("max_tokens"))
        #expect(await fake.requestHeaders.first?["authorization"] == "Bearer sk-test")
    }

    @Test func serverErrorIsRetriedExactlyOnceThenSucceeds() async throws {
        let fake = FakeOpenAIServer([.status(500, body: "boom"), .completion("second time lucky")])
        try await FakeOpenAIServer.run(fake) { base in
            let text = try await Self.provider(base).summarizeThread(post: Self.post, replies: [])
            #expect(text == "second time lucky")
        }
        #expect(await fake.requestCount == 2)
    }

    @Test func rateLimitHonoursRetryAfter() async throws {
        let fake = FakeOpenAIServer([.status(429, body: "slow down", headers: ["Retry-After": "1"]), .completion("ok now")])
        try await FakeOpenAIServer.run(fake) { base in
            let start = Monotonic.nanos()
            let text = try await Self.provider(base).generatePostDraft(
                persona: Self.persona, room: LLMRoom(id: "r", name: "room", description: "", variant: 1))
            let waited = Double(Monotonic.nanos() - start) / 1e9
            #expect(text == "ok now")
            // A lower bound only: a loaded machine can make the wait longer, never shorter.
            #expect(waited >= 0.95, "Retry-After: 1 must be honoured (waited \(waited)s)")
        }
        #expect(await fake.requestCount == 2)
    }

    @Test func hungResponseTimesOutWithinTheCallersDeadline() async throws {
        // Structural, not a stopwatch: the server hangs for 60 s and the provider's own timeout is 120 s, so only the
        // caller's 1 s deadline can end the call, retries included, while the server is still hanging
        // (hangsAnswered == 0). A bound on the elapsed time would fail a healthy client on a loaded machine.
        let fake = FakeOpenAIServer([.hang(seconds: 60)])
        try await FakeOpenAIServer.run(fake) { base in
            let deadline = Monotonic.nanos(after: 1)
            await #expect {
                try await RequestDeadline.$nanos.withValue(deadline) {
                    try await Self.provider(base, retries: 2, timeout: 120).summarizeThread(post: Self.post, replies: [])
                }
            } throws: { error in
                (error as? LLMError)?.retryable == true
            }
            #expect(await fake.hangsAnswered == 0, "the call ended only when the hung server answered")
        }
    }

    @Test(arguments: [
        ("{not json", "invalid JSON"), (#"{"choices":[]}"#, "no choices"), (#"{"choices":[{"message":{"content":"  "}}]}"#, "empty completion"),
    ])
    func malformedResponsesAreClearRetryableErrors(payload: String, expected: String) async throws {
        let fake = FakeOpenAIServer([.raw(payload)])
        try await FakeOpenAIServer.run(fake) { base in
            await #expect {
                try await Self.provider(base, retries: 1).summarizeThread(post: Self.post, replies: [])
            } throws: { error in
                guard let e = error as? LLMError else { return false }
                return e.retryable && e.message.contains(expected)
            }
        }
        #expect(await fake.requestCount == 2)
    }

    @Test func clientErrorsAreNotRetriedAndMissingKeyMakesNoCall() async throws {
        let fake = FakeOpenAIServer([.status(401, body: #"{"error":"bad key"}"#)])
        try await FakeOpenAIServer.run(fake) { base in
            await #expect {
                try await Self.provider(base).summarizeThread(post: Self.post, replies: [])
            } throws: { error in
                (error as? LLMError).map { !$0.retryable && $0.message.hasPrefix("openai provider error: status=401 body=") } ?? false
            }
            await #expect(throws: LLMError.self) {
                try await Self.provider(base, key: "").summarizeThread(post: Self.post, replies: [])
            }
        }
        #expect(await fake.requestCount == 1)
    }

    @Test func endpointIsDerivedFromTheBaseURL() {
        #expect(
            OpenAILLM.Settings(baseURL: "https://api.example.com/", apiKey: "", model: "").endpoint == "https://api.example.com/v1/chat/completions")
        #expect(OpenAILLM.Settings(baseURL: "http://h/v1", apiKey: "", model: "").endpoint == "http://h/v1/chat/completions")
    }

    @Test func templateRulesAndWordLimitReachTheReplyPrompt() {
        let prompt = Prompts.reply(
            persona: Self.persona, post: Self.post, thread: [LLMText(id: "1", content: "first")],
            template: LLMTemplate(name: "Claim", promptRules: "Alternate claims.", wordLimit: 60))
        #expect(prompt.user.contains("Template rules: Alternate claims."))
        #expect(prompt.user.contains("at most 60 words"))
        #expect(!Prompts.reply(persona: Self.persona, post: Self.post, thread: [], template: nil).user.contains("Template"))
    }
}

/// The deterministic mock: the contract's fixed texts, trimmed to the length caps.
@Suite struct MockProviderTests {
    @Test func textsMatchTheContract() async throws {
        let mock = MockLLM()
        let tr = LLMPersona(id: "p", name: "Deniz", bio: "", tone: "calm", catchphrases: [" Az ama öz "], preferredLanguage: "TR")
        #expect(
            try await mock.generatePostDraft(persona: tr, room: LLMRoom(id: "r", name: "game-dev", description: "", variant: 2))
                == "game-dev odasında Deniz için içgörü: Az ama öz: shipping a visible changelog improves community trust and feedback quality. Sende bu yaklaşımın işe yaradığı bir örnek var mı?"
        )
        #expect(
            try await mock.summarizeThread(post: LLMText(id: "x", content: "P"), replies: [])
                == "No replies yet. The thread is waiting for first reactions.")
        let r = [LLMText(id: "1", content: "a"), LLMText(id: "2", content: "b"), LLMText(id: "3", content: "c"), LLMText(id: "4", content: "d")]
        #expect(try await mock.summarizeThread(post: LLMText(id: "x", content: "P"), replies: r) == "Post focus: P. Main reply themes: a | b | c")
    }

    @Test func replyAlwaysFitsTheCap() async throws {
        let long = LLMPersona(id: "p", name: String(repeating: "N", count: 150), bio: "", tone: String(repeating: "t", count: 50))
        let text = try await MockLLM(caps: .init(reply: 280)).generateReply(
            persona: long, post: LLMText(id: "x", content: "p"), thread: [], template: nil)
        #expect(text.unicodeScalars.count <= 280)
        #expect(text.hasSuffix("(thread replies: 0)"))
    }
}
