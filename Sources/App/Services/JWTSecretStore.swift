import Foundation
import Logging

/// Resolves the login-token secret: `JWT_SECRET` when set, otherwise (outside production) a random
/// secret generated once and kept in the data directory with mode 0600 so tokens survive restarts.
enum JWTSecretStore {
    static let fileName = "jwt_secret"

    static func resolve(config: AppConfig, logger: Logger) throws -> String {
        if let secret = config.jwtSecret { return secret }
        let directory = config.dataDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + fileName
        if let existing = try? String(contentsOfFile: path, encoding: .utf8) {
            let trimmed = existing.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.utf8.count >= 32 { return trimmed }
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<48).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let secret = Data(bytes).base64EncodedString()
        let created = FileManager.default.createFile(
            atPath: path, contents: Data((secret + "\n").utf8),
            attributes: [.posixPermissions: 0o600])
        guard created else { throw ConfigError(variable: "JWT_SECRET", problem: "unset, and cannot write \(path)") }
        logger.notice("jwt_secret_generated", metadata: ["path": .string(path)])
        return secret
    }
}
