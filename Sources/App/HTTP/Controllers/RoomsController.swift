import Domain
import Hummingbird
import Store

/// `GET /rooms` (API.md §3.5), behind auth.
struct RoomsController: Sendable {
    let database: AppDatabase

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/rooms", use: list)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSONResult<RoomListDTO> {
        let rooms: [Room]
        do { rooms = try await database.rooms() } catch { throw error.asInternal("could not list rooms") }
        return JSONResult(RoomListDTO(rooms: rooms.map(RoomDTO.init)))
    }
}
