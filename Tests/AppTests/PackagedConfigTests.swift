import Foundation
import TestSupport
import Testing

@testable import App

/// The settings of issue 14 (secret file, metrics and host allow-lists) and the configuration the package ships.
@Suite struct SecurityConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func productionTakesItsSecretFromJWTSecretFileAndTheEnvironmentWins() throws {
        let dir = TestDirectory()
        let path = dir.path + "/jwt_secret"
        let secret = String(repeating: "k", count: 48)
        try (secret + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let fromFile = try AppConfig(values: ["APP_ENV": "prod", "JWT_SECRET_FILE": path])
        #expect(fromFile.jwtSecret == secret)
        let explicit = String(repeating: "e", count: 40)
        #expect(try AppConfig(values: ["APP_ENV": "prod", "JWT_SECRET_FILE": path, "JWT_SECRET": explicit]).jwtSecret == explicit)
        try "too-short\n".write(toFile: path, atomically: true, encoding: .utf8)
        for values in [["JWT_SECRET_FILE": path], ["JWT_SECRET_FILE": dir.path + "/missing"]] {
            #expect {
                _ = try AppConfig(values: values.merging(["APP_ENV": "prod"]) { a, _ in a })
            } throws: { error in
                (error as? ConfigError)?.variable == "JWT_SECRET_FILE"
            }
        }
    }

    @Test func metricsAndHostListsAreValidatedAtStartUp() throws {
        let defaults = try AppConfig(values: [:])
        #expect(defaults.metricsAllow == ["127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"])
        #expect(try AppConfig(values: ["METRICS_ALLOW": "10.1.0.0/16, ::1"]).metricsAllow == ["10.1.0.0/16", "::1"])
        #expect(try AppConfig(values: ["ALLOWED_HOSTS": "Box.LAN:8080, 192.168.1.5, *"]).allowedHosts == ["box.lan", "192.168.1.5", "*"])
        for (variable, value) in [
            ("METRICS_ALLOW", "10.0.0.0/33"), ("METRICS_ALLOW", "intranet"), ("ALLOWED_HOSTS", "a b"), ("ALLOWED_HOSTS", "x:99999"),
        ] {
            #expect {
                _ = try AppConfig(values: [variable: value])
            } throws: { error in
                (error as? ConfigError)?.variable == variable
            }
        }
    }

    @Test func theHostAllowListTakesTheFrontendHostTheListedNamesAndLoopback() {
        let hosts = HostAllowList(frontendOrigin: "https://pw.example/", allowedHosts: ["box.lan"])
        for allowed in ["pw.example", "PW.example:443", "box.lan:8080", "localhost:8080", "127.0.0.1:8080", "[::1]:8080", "app.localhost"] {
            #expect(hosts.allows(allowed), "\(allowed)")
        }
        for refused in ["evil.example", "pw.example.evil.example", "192.168.1.5:8080", "", "*"] {
            #expect(!hosts.allows(refused), "\(refused)")
        }
        #expect(!hosts.allows(nil))
        #expect(HostAllowList(frontendOrigin: "https://pw.example", allowedHosts: ["*"]).allows("anything.example"))
    }

    /// The package's own configuration (packaging/personaworlds.env), with the secret file its postinst writes.
    static func packaged(secretFile: String) throws -> AppConfig {
        try AppConfig.load(
            environment: ["JWT_SECRET_FILE": secretFile], configFile: root.appendingPathComponent("packaging/personaworlds.env").path)
    }

    @Test func thePackageShipsProductionDefaultsWithoutDevelopmentOriginsOrCredentials() throws {
        let dir = TestDirectory()
        let secretFile = dir.path + "/jwt_secret"
        #expect(throws: ConfigError.self, "production refuses to start without the generated secret") {
            try Self.packaged(secretFile: secretFile)
        }
        try (String(repeating: "s", count: 64) + "\n").write(toFile: secretFile, atomically: true, encoding: .utf8)
        let config = try Self.packaged(secretFile: secretFile)
        #expect(config.isProduction && config.secureCookies)
        #expect(config.effectiveCORSOrigins == ["http://localhost:8080"])
        #expect(!CORSPolicy(config: config).credentials)
        #expect(!CORSPolicy(config: config).allows(origin: "http://localhost:3000"))
        #expect(HostAllowList(config: config).allows("localhost:8080") && !HostAllowList(config: config).allows("rebind.evil.example"))
        // The file the package installs names the generated secret where its postinst writes it.
        let text = try String(contentsOf: Self.root.appendingPathComponent("packaging/personaworlds.env"), encoding: .utf8)
        #expect(text.contains("\nJWT_SECRET_FILE=/var/lib/personaworlds/jwt_secret\n"))
        let postinst = try String(contentsOf: Self.root.appendingPathComponent("packaging/debian/postinst"), encoding: .utf8)
        #expect(postinst.contains(#"SECRET_FILE="$STATE_DIR/jwt_secret""#))
    }
}
