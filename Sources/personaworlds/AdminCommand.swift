import App
import ArgumentParser
import Foundation

/// `admin grant EMAIL` / `admin revoke EMAIL`: the stored admin role, set from the machine's command line (sign up
/// first, then grant). `ADMIN_EMAILS` only bootstraps it when `serve` starts.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Grant or revoke the admin role of an existing account.",
        subcommands: [Grant.self, Revoke.self])

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make the account with this email an admin.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The account's email (normalised: trimmed, NFC, lower-cased).") var email: String

        func run() async throws { try await AdminCommand.set(email: email, admin: true, options: options) }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the admin role from the account with this email.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The account's email (normalised: trimmed, NFC, lower-cased).") var email: String

        func run() async throws { try await AdminCommand.set(email: email, admin: false, options: options) }
    }

    static func set(email: String, admin: Bool, options: CommonOptions) async throws {
        let deps = options.bootstrap(service: "admin")
        do {
            let normalized = try await AppCommands.setAdmin(deps, email: email, isAdmin: admin)
            print("admin: \(normalized) is \(admin ? "now an admin" : "no longer an admin")")
        } catch let failed as AppCommands.OperationFailed {
            FileHandle.standardError.write(Data("admin: \(failed)\n".utf8))
            throw ExitCode(1)
        }
    }
}
