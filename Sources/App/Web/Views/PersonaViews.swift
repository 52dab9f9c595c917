import Domain

/// The persona create/edit form; the same fields as `PUT /personas/{id}`, calibration included.
struct PersonaForm: Sendable {
    struct Option: Sendable {
        let value: String
        let label: String
        let selected: Bool
    }

    let formID: String
    let heading: String
    let api: String
    let method: String
    let button: String
    /// Where to go after success (`{id}` from the answer), or nil to reload the page.
    let redirect: String?
    let name: String
    let bio: String
    let tone: String
    let sample1: String
    let sample2: String
    let sample3: String
    let doNotSay: String
    let catchphrases: String
    let languages: [Option]
    let formalities: [Option]
    let draftQuota: String
    let replyQuota: String

    static func create() -> PersonaForm {
        make(
            id: "create", heading: "Create a persona", api: "/personas", method: "POST", button: "Create persona",
            redirect: "/app/personas/{id}", fields: nil)
    }

    static func edit(_ persona: Persona) -> PersonaForm {
        make(
            id: "edit", heading: "Edit persona", api: "/personas/\(persona.id)", method: "PUT", button: "Save changes",
            redirect: nil, fields: persona.fields)
    }

    private static func make(
        id: String, heading: String, api: String, method: String, button: String, redirect: String?,
        fields: PersonaFields?
    ) -> PersonaForm {
        let samples = fields?.writingSamples ?? []
        let language = fields?.preferredLanguage ?? "en"
        let formality = fields?.formality ?? 1
        return PersonaForm(
            formID: id, heading: heading, api: api, method: method, button: button, redirect: redirect,
            name: fields?.name ?? "", bio: fields?.bio ?? "", tone: fields?.tone ?? "",
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
    let suggestedSlug: String
}

struct PersonaDigestPage: PageView {
    static let template = "persona-digest"
    let layout: Layout
    let personaID: String
    let personaName: String
    let digest: PersonaDigestResponseDTO.Digest
    let exists: Bool
    let threads: [PersonaDigestResponseDTO.Thread]
    let updated: String
}
