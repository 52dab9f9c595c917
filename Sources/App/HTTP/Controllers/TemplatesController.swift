import Domain
import Hummingbird

/// `/templates`: the public marketplace (cached) and template creation.
struct TemplatesController: Sendable {
    let service: TemplateService
    let limits: BodyLimits

    func addRoutes(to routes: RouteGroups) {
        routes.publicRead.on(.get, "/templates", use: list)
        routes.templateCreate.on(.post, "/templates", use: create)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let templates = try await service.publicTemplates()
        return PublicCaching.json(TemplateListDTO(templates: templates.map(TemplateDTO.init)), request: request)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> JSONResult<TemplateDTO> {
        let user = try context.requireUser()
        let body = try await request.decodeStrict(TemplateCreateRequest.self, limit: limits.global)
        return JSONResult(TemplateDTO(try await service.create(body.input, userID: user)), status: .created)
    }
}
