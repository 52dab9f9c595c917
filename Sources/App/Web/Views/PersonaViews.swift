import Domain
import Web

/// The persona create/edit form; the same fields as `PUT /personas/{id}`, calibration included. It posts to
/// `action` (works without JavaScript); the script sends it to `api` with `method` instead.
struct PersonaForm: Sendable {
    struct Option: Sendable {
        let value: String
        let label: String
        let selected: Bool
    }

    let formID: String
    let heading: String
    let action: String
    let api: String
    let method: String
    let button: String
    /// Where the script goes after success (`{id}` from the answer), or nil to reload the page.
    let redirect: String?
    var error: String?
    var name: String
    var bio: String
    var tone: String
    var sample1: String
    var sample2: String
    var sample3: String
    var doNotSay: String
    var catchphrases: String
    var languages: [Option]
    var formalities: [Option]
    var draftQuota: String
    var replyQuota: String

    static func create() -> PersonaForm {
        make(
            id: "create", heading: "Create a persona", action: "/app/personas", api: "/personas", method: "POST",
            button: "Create persona", redirect: "/app/personas/{id}", fields: nil)
    }

    static func edit(_ persona: Persona) -> PersonaForm {
        make(
            id: "edit", heading: "Edit persona", action: "/app/personas/\(persona.id)", api: "/personas/\(persona.id)",
            method: "PUT", button: "Save changes", redirect: nil, fields: persona.fields)
    }

    /// The form as it was posted, with the message of what went wrong.
    func posted(_ fields: FormFields, error: String) -> PersonaForm {
        var form = self
        form.error = error
        form.name = fields["name"] ?? ""
        form.bio = fields["bio"] ?? ""
        form.tone = fields["tone"] ?? ""
        let samples = fields.pairs.filter { $0.name == "writing_samples" }.map(\.value)
        form.sample1 = samples.count > 0 ? samples[0] : ""
        form.sample2 = samples.count > 1 ? samples[1] : ""
        form.sample3 = samples.count > 2 ? samples[2] : ""
        form.doNotSay = fields["do_not_say"] ?? ""
        form.catchphrases = fields["catchphrases"] ?? ""
        let language = fields["preferred_language"] ?? ""
        form.languages = languages.map { Option(value: $0.value, label: $0.label, selected: $0.value == language) }
        let formality = fields["formality"] ?? ""
        form.formalities = formalities.map { Option(value: $0.value, label: $0.label, selected: $0.value == formality) }
        form.draftQuota = fields["daily_draft_quota"] ?? ""
        form.replyQuota = fields["daily_reply_quota"] ?? ""
        return form
    }

    /// The posted fields as the API's `PersonaUpsertRequest` reads the script's JSON.
    static func input(_ fields: FormFields) throws -> PersonaFields {
        PersonaFields(
            name: try fields.string("name"), bio: try fields.string("bio"), tone: try fields.string("tone"),
            writingSamples: try fields.strings("writing_samples"), doNotSay: try fields.lines("do_not_say"),
            catchphrases: try fields.lines("catchphrases"), preferredLanguage: try fields.string("preferred_language"),
            formality: try fields.int("formality"), dailyDraftQuota: try fields.int("daily_draft_quota"),
            dailyReplyQuota: try fields.int("daily_reply_quota"))
    }

    private static func make(
        id: String, heading: String, action: String, api: String, method: String, button: String, redirect: String?,
        fields: PersonaFields?
    ) -> PersonaForm {
        let samples = fields?.writingSamples ?? []
        let language = fields?.preferredLanguage ?? "en"
        let formality = fields?.formality ?? 1
        return PersonaForm(
            formID: id, heading: heading, action: action, api: api, method: method, button: button, redirect: redirect,
            error: nil, name: fields?.name ?? "", bio: fields?.bio ?? "", tone: fields?.tone ?? "",
            sample1: samples.count > 0 ? samples[0] : "", sample2: samples.count > 1 ? samples[1] : "",
            sample3: samples.count > 2 ? samples[2] : "",
            doNotSay: (fields?.doNotSay ?? []).joined(separator: "\n"), catchphrases: (fields?.catchphrases ?? []).joined(separator: "\n"),
            languages: [
                Option(value: "en", label: "English", selected: language == "en"),
                Option(value: "tr", label: "Turkish", selected: language == "tr"),
            ],
            formalities: [(0, "0 — casual"), (1, "1 — relaxed"), (2, "2 — polished"), (3, "3 — formal")].map {
                Option(value: String($0.0), label: $0.1, selected: $0.0 == formality)
            },
            draftQuota: fields.map { String($0.dailyDraftQuota) } ?? "", replyQuota: fields.map { String($0.dailyReplyQuota) } ?? "")
    }
}

/// Today's quota use of a persona.
struct QuotaView: Sendable {
    let draftsUsed: Int
    let draftQuota: Int
    let repliesUsed: Int
    let replyQuota: Int
}

struct PersonaRow: Sendable {
    let id: String
    let name: String
    let bio: String
    let quota: QuotaView
}

struct PersonasPage: PageView {
    static let template = "personas"
    let layout: Layout
    let personas: [PersonaRow]
    let form: PersonaForm
}

/// A persona's public profile state as its owner sees it.
struct ProfileState: Sendable {
    let isPublic: Bool
    let slug: String
    let bio: String
    let shareURL: String
}

struct PersonaPage: PageView {
    static let template = "persona"
    let layout: Layout
    let id: String
    let name: String
    let quota: QuotaView
    let form: PersonaForm
    let profile: ProfileState?
    /// The publish form's values: the posted ones after a failure, else the stored or suggested ones.
    let publishSlug: String
    let publishBio: String
    /// Messages of a failed publish, unpublish or delete post.
    let publishError: String?
    let unpublishError: String?
    let deleteError: String?
}

struct PersonaDigestPage: PageView {
    /// One of the busiest threads, its activity in words (`3 activities`).
    struct Thread: Sendable {
        let postID: String
        let preview: String?
        let roomName: String?
        let activity: String
    }

    static let template = "persona-digest"
    let layout: Layout
    let personaID: String
    let personaName: String
    let digest: PersonaDigestResponseDTO.Digest
    let exists: Bool
    /// `2 posts and 1 reply`.
    let activity: String
    let threads: [Thread]
    let updated: String
}
