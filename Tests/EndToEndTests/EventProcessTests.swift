import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `POST /events` on the real binary: a 202 means durable, even across a kill -9.
@Suite(.serialized) struct EventProcessTests {
    @Test func everyEventThatGotA202SurvivesAKill9DuringTheLoad() async throws {
        let dir = TestDirectory()
        let server = try await ServerProcess(directory: dir, environment: ["RATE_LIMIT_EVENTS_PER_MIN": "0"])
        let acknowledged = LockedBox<[Int]>([])
        let stop = LockedBox(false)
        let port = server.port
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<16 {
                    group.addTask {
                        var n = 0
                        while !stop.value && n < 5000 {
                            let id = worker * 100_000 + n
                            n += 1
                            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/events")!)
                            request.httpMethod = "POST"
                            request.timeoutInterval = 5
                            request.httpBody = Data(#"{"event_name":"daily_return","metadata":{"seq":\#(id)}}"#.utf8)
                            guard let (_, response) = try? await URLSession.shared.data(for: request) else { continue }
                            if (response as? HTTPURLResponse)?.statusCode == 202 { acknowledged.mutate { $0.append(id) } }
                        }
                    }
                }
            }
        }
        // Kill once the load is well under way, however long a loaded machine takes to get there (the deadline
        // only bounds a server that stopped answering).
        _ = try await eventually(every: 0.1) { acknowledged.value.count >= 300 }
        await server.kill9()
        stop.mutate { $0 = true }
        await load.value
        let acked = acknowledged.value
        #expect(acked.count > 100, "the load should have been running: \(acked.count)")
        let stored = Set(
            try await TestDatabase.open(dir).ints("SELECT CAST(metadata->>'seq' AS INTEGER) FROM events WHERE event_name = 'daily_return'"))
        let lost = acked.filter { !stored.contains($0) }
        #expect(lost.isEmpty, "\(lost.count) of \(acked.count) acknowledged events were lost")
    }
}
