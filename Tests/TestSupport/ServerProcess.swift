import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real `personaworlds` binary running on a loopback port, for end-to-end tests.
public final class ServerProcess: @unchecked Sendable {
    public let port: Int
    /// The server (or the shell that execs it under a file limit: the same process id).
    public let process: ChildProcess
    public let logPath: String
    /// The test's directory; its engine and database are the server's.
    public let directory: TestDirectory

    /// The built binary next to the test bundle (or `PERSONAWORLDS_BINARY`).
    public static var binaryPath: String {
        if let override = ProcessInfo.processInfo.environment["PERSONAWORLDS_BINARY"] { return override }
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDir, bundleDir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("personaworlds").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return bundleDir.appendingPathComponent("personaworlds").path
    }

    /// A free loopback TCP port for a server a test starts, from below the kernel's ephemeral range.
    ///
    /// Why not a port the kernel picks (`bind` to port 0): it comes from the ephemeral range, the same ports the suite's
    /// thousands of outgoing connections take as their local ports, so between this call and the server's own `bind`
    /// a client socket of another test could take it, and the server failed to start with `EADDRINUSE` (seen in a
    /// whole-suite run). Below the range no connection takes a port by itself; the ports are handed out in turn from a
    /// random start, and each is checked free before it is returned.
    public static func freePort() -> Int {
        let span = max(1, ephemeralStart - lowestPort)
        for _ in 0..<span {
            let candidate = lowestPort + portCursor.add(1, ordering: .relaxed).oldValue % span
            if isFree(candidate) { return candidate }
        }
        return kernelPickedPort()
    }

    /// Where the kernel's ephemeral ports start (`net.ipv4.ip_local_port_range`; 32768 by default).
    static let ephemeralStart: Int = {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? 32768
    }()
    /// The lowest port handed out: above the well-known and commonly configured ones.
    static let lowestPort = 20_000
    private static let portCursor = Atomic<Int>(Int.random(in: 0..<10_000))

    /// Whether a listening socket could bind 127.0.0.1:`port` now (with `SO_REUSEADDR`, as the server binds).
    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = ipv4Address(port: port)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// A port the kernel picks, for a machine whose ephemeral range leaves nothing below it.
    private static func kernelPickedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = ipv4Address(port: 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Runs the binary with `arguments` to completion and returns (status, stdout+stderr). The output goes to a
    /// temporary file read after the exit, so nothing blocks a thread while the command runs (`ProcessExit`).
    public static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("personaworlds-run-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let child = try ChildProcess(
            binaryPath, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, output: .file(outputPath))
        let status = await child.exitStatus()
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return (status, String(decoding: data, as: UTF8.self))
    }

    /// Starts `personaworlds <arguments>` (default `serve`) on a free port and waits until `/healthz` answers
    /// there; for `serve --worker-only`, pass the same port as `WORKER_OBSERVABILITY_PORT`. With `fileLimit`,
    /// the binary starts under that open-file limit (`ulimit` in a shell that then execs it, so the process id
    /// is the server's).
    public init(
        directory: TestDirectory, environment: [String: String] = [:], port: Int? = nil,
        arguments: [String] = ["serve"], fileLimit: (soft: Int, hard: Int)? = nil
    ) async throws {
        self.port = port ?? Self.freePort()
        self.directory = directory
        logPath = directory.path + "/server-\(self.port)-\(UUID().uuidString.prefix(6)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let executable: String
        let commandLine: [String]
        if let fileLimit {
            executable = "/bin/sh"
            commandLine =
                ["-c", "ulimit -S -n \(fileLimit.soft) && ulimit -H -n \(fileLimit.hard) && exec \"$0\" \"$@\"", Self.binaryPath] + arguments
        } else {
            executable = Self.binaryPath
            commandLine = arguments
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in directory.backend.environment(directory) { env[k] = v }
        env["PORT"] = String(self.port)
        env["BIND_ADDRESS"] = "127.0.0.1"
        env["JWT_SECRET"] = "e2e-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
        env["LOG_LEVEL"] = "warning"
        for (k, v) in environment { env[k] = v }
        process = try ChildProcess(executable, commandLine, environment: env, output: .file(logPath))
        // Start-up takes well under a second; the deadline only bounds a server that never comes up.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let r = try? await request("GET", "/healthz"), r.status == 200 { return }
            guard process.isRunning else { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw TestFailure("server did not become healthy: \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
    }

    /// The rows of the server's database (verification and fault injection).
    public func database() async throws -> TestDatabase { try await TestDatabase.open(directory) }

    /// The server's process id.
    public var pid: Int32 { process.pid }

    /// The server's open-file limit (`Max open files` in /proc/<pid>/limits).
    public func fileLimit() -> (soft: Int, hard: Int)? {
        guard let limits = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8) else { return nil }
        for line in limits.split(separator: "\n") where line.hasPrefix("Max open files") {
            let numbers = line.split(separator: " ").compactMap { Int($0) }
            if numbers.count >= 2 { return (numbers[0], numbers[1]) }
        }
        return nil
    }

    /// The server's log so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Resident memory of the server in KiB (`VmRSS` in /proc/<pid>/status).
    public func residentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        }
        return nil
    }

    /// One HTTP request to the server.
    public func request(_ method: String, _ path: String, json: String? = nil, token: String? = nil) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// SIGKILL, no chance to clean up; returns once the process is gone.
    public func kill9() async { await process.kill9() }

    /// SIGTERM and wait for exit (awaited, never blocking a thread: `ProcessExit`); returns the exit status.
    @discardableResult
    public func stop() async -> Int32 { await process.stop() }

    /// Runs `body` with the server and stops it afterwards, also when `body` throws (a `defer` cannot await).
    public func stopping<T>(after body: () async throws -> T) async rethrows -> T {
        do {
            let result = try await body()
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    // A server a test left running is killed by its `ChildProcess`'s deinit, without waiting.
}
