import Domain
import Hummingbird
import Storage

/// `/personas` routes, all behind auth.
struct PersonasController: Sendable {
    let service: PersonaService
    let posts: PostService
    let digests: DigestService
    let limits: BodyLimits
    let shareBase: String
    /// Cleared after an edit that a public profile page shows.
    /// Told after each change to public data (`publicDataChanged`), which clears the public pages on every node.
    let caches: any CacheInvalidator

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/personas", use: list)
        routes.on(.post, "/personas", use: create)
        routes.on(.get, "/personas/{id}", use: get)
        routes.on(.put, "/personas/{id}", use: update)
        routes.on(.delete, "/personas/{id}", use: delete)
        routes.on(.post, "/personas/{id}/publish-profile", use: publish)
        routes.on(.post, "/personas/{id}/unpublish-profile", use: unpublish)
        routes.on(.post, "/personas/{id}/preview", use: preview)
        routes.on(.get, "/personas/{id}/digest/today", use: digestToday)
        routes.on(.get, "/personas/{id}/digest/latest", use: digestLatest)
    }

    @Sendable func digestToday(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PersonaDigestResponseDTO> {
        let user = try context.requireUser()
        return JSONResult(PersonaDigestResponseDTO(try await digests.personaDigest(personaID: try personaID(context), userID: user, latest: false)))
    }

    @Sendable func digestLatest(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PersonaDigestResponseDTO> {
        let user = try context.requireUser()
        return JSONResult(PersonaDigestResponseDTO(try await digests.personaDigest(personaID: try personaID(context), userID: user, latest: true)))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PersonaListDTO> {
        let personas = try await service.list(userID: try context.requireUser())
        return JSONResult(PersonaListDTO(personas: personas.map(PersonaDTO.init)))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PersonaDTO> {
        let user = try context.requireUser()
        let body = try await request.decodeStrict(PersonaUpsertRequest.self, limit: limits.global)
        return JSONResult(PersonaDTO(try await service.create(userID: user, input: body.fields)), status: .created)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PersonaDTO> {
        let user = try context.requireUser()
        return JSONResult(PersonaDTO(try await service.get(id: try personaID(context), userID: user)))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PersonaDTO> {
        let user = try context.requireUser()
        let id = try personaID(context)
        let body = try await request.decodeStrict(PersonaUpsertRequest.self, limit: limits.global)
        let updated = try await service.update(id: id, userID: user, input: body.fields)
        await caches.publicDataChanged()
        return JSONResult(PersonaDTO(updated))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> JSONResult<DeletedDTO> {
        let user = try context.requireUser()
        try await service.delete(id: try personaID(context), userID: user)
        await caches.publicDataChanged()
        return JSONResult(DeletedDTO(deleted: true))
    }

    @Sendable func publish(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PublishedProfileDTO> {
        let user = try context.requireUser()
        let rawID = context.pathParameter("id")
        let id = try Identifiers.uuid(rawID, label: "persona id")
        let body = try await request.decodeStrict(PublishProfileRequest.self, limit: limits.global, mode: .strictEmptyAllowed)
        let profile = try await service.publish(id: id, userID: user, slug: body.slug, bio: body.bio)
        await caches.publicDataChanged()
        return JSONResult(
            PublishedProfileDTO(
                personaID: rawID, slug: profile.slug, isPublic: true, bio: profile.bio,
                createdAt: profile.createdAt.rfc3339, shareURL: "\(shareBase)/p/\(profile.slug)"))
    }

    @Sendable func unpublish(_ request: Request, context: AppRequestContext) async throws -> JSONResult<UnpublishedProfileDTO> {
        let user = try context.requireUser()
        let rawID = context.pathParameter("id")
        let slug = try await service.unpublish(id: try Identifiers.uuid(rawID, label: "persona id"), userID: user)
        await caches.publicDataChanged()
        return JSONResult(
            UnpublishedProfileDTO(
                personaID: rawID, slug: slug, isPublic: false,
                shareURL: slug.isEmpty ? "" : "\(shareBase)/p/\(slug)"))
    }

    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PreviewDTO> {
        let user = try context.requireUser()
        let persona = try personaID(context)
        let room = try Identifiers.uuid(request.uri.queryParameters.get("room_id") ?? "", label: "room_id")
        let result = try await posts.preview(personaID: persona, roomID: room, userID: user)
        let drafts = result.drafts.enumerated().map { PreviewDTO.Draft(label: "AI Preview \($0.offset + 1)", content: $0.element, authoredBy: "AI") }
        return JSONResult(PreviewDTO(drafts: drafts, quota: .init(used: result.used, limit: posts.config.defaultPreviewQuota)))
    }

    private func personaID(_ context: AppRequestContext) throws -> String {
        try Identifiers.uuid(context.pathParameter("id"), label: "persona id")
    }
}
