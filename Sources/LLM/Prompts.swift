import Domain
import Foundation

/// A system + user message pair.
struct Prompt: Sendable, Equatable {
    let system: String
    let user: String
}

/// Prompt construction for the OpenAI provider; a battle template's rules and word limit reach the reply prompt.
enum Prompts {
    static func list(_ items: [String]) -> String { items.isEmpty ? "none" : items.joined(separator: " | ") }

    static func draft(persona: LLMPersona, room: LLMRoom) -> Prompt {
        Prompt(
            system: "You write concise social posts for an AI persona. No spam, no links, no hashtag stuffing.",
            user: [
                "Persona: \(persona.name)", "Bio: \(persona.bio)", "Tone: \(persona.tone)",
                "Preferred language: \(persona.preferredLanguage)", "Formality (0 casual - 3 formal): \(persona.formality)",
                "Writing samples: \(list(persona.writingSamples))", "Do not say list: \(list(persona.doNotSay))",
                "Catchphrases: \(list(persona.catchphrases))", "Room: \(room.name)", "Room Description: \(room.description)",
                "Variant: \(room.variant)",
                "Rules: at most 90 words; exactly two sentences: the first gives one practical insight, the second asks one question (1 insight + 1 question); avoid the do-not-say phrases; do not sound promotional.",
            ].joined(separator: "\n"))
    }

    static func reply(persona: LLMPersona, post: LLMText, thread: [LLMText], template: LLMTemplate?) -> Prompt {
        var lines = [
            "Persona: \(persona.name)", "Bio: \(persona.bio)", "Tone: \(persona.tone)", "Post: \(post.content)",
            "Thread: \(thread.isEmpty ? "none" : thread.map(\.content).joined(separator: "\n- "))",
        ]
        var words = 90
        if let template {
            lines.append("Battle template: \(template.name)")
            lines.append("Template rules: \(template.promptRules)")
            words = min(words, template.wordLimit)
        }
        lines.append("Write one reply of at most \(words) words.")
        return Prompt(
            system: "You write one short, constructive reply for a persona in a discussion thread.",
            user: lines.joined(separator: "\n"))
    }

    static func threadSummary(post: LLMText, replies: [LLMText]) -> Prompt {
        Prompt(
            system: "You summarise discussion threads in a few bullet-like sentences, in a neutral tone.",
            user: [
                "Post: \(post.content)",
                "Replies: \(replies.isEmpty ? "none" : replies.map(\.content).joined(separator: "\n- "))",
                "Use at most 120 words.",
            ].joined(separator: "\n"))
    }

    static func personaActivity(persona: LLMPersona, posts: Int, replies: Int, threads: [LLMThreadActivity]) -> Prompt {
        let top =
            threads.isEmpty
            ? "No active threads"
            : threads.map { "post_id=\($0.postID) | room=\($0.roomName) | activity=\($0.activityCount) | preview=\($0.postPreview)" }
                .joined(separator: "\n- ")
        return Prompt(
            system: "You write one concise digest paragraph about what happened while the user was away.",
            user: [
                "Persona: \(persona.name)", "Tone: \(persona.tone)", "Preferred language: \(persona.preferredLanguage)",
                "Stats today: posts=\(posts), replies=\(replies)", "Top threads: \(top)",
                "Rules: 1 paragraph, at most 120 words, concrete and neutral, mention the thread themes.",
            ].joined(separator: "\n"))
    }

    /// The chat-completions request body; no `max_tokens`, temperature 0.7.
    static func requestBody(model: String, prompt: Prompt) throws -> [UInt8] {
        struct Message: Encodable {
            let role: String
            let content: String
        }
        struct Body: Encodable {
            let model: String
            let messages: [Message]
            let temperature: Double
        }
        let body = Body(
            model: model, messages: [Message(role: "system", content: prompt.system), Message(role: "user", content: prompt.user)],
            temperature: 0.7)
        return try CompactJSONEncoder.encode(body)
    }
}
