import App
import ArgumentParser
import Foundation

/// `move-to-postgres --to URL [--dry-run]`: the SQLite database into an empty PostgreSQL database, verified.
struct MoveToPostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move-to-postgres",
        abstract: "Copy the SQLite database (DATABASE_PATH) into an empty PostgreSQL database, verified table by table.",
        discussion: """
            Stop the server first: the move refuses while a server holds the SQLite file's lock, and holds that lock itself \
            until it is done. The target is migrated first, must hold no users, and receives every table in one transaction \
            (COPY), which commits only when each table's row count and checksum read back from PostgreSQL equal the source's; \
            on any failure or mismatch nothing is left in the target. The SQLite file is never changed. --dry-run reads and \
            converts every row and prints the counts and checksums without writing anything. Exit status 0 when the move \
            committed (or the dry run found nothing wrong), 1 on a refusal, failure or mismatch, 2 for a malformed --to URL.
            """
    )
    @OptionGroup var options: CommonOptions
    @Option(name: .long, help: ArgumentHelp("The target: postgres://user[:password]@host[:port]/database[?sslmode=…]", valueName: "URL"))
    var to: String
    @Flag(name: .long, help: "Read and convert everything and report the counts; write nothing.") var dryRun = false

    func run() async throws {
        let deps = options.bootstrap(service: "move")
        let bar = ProgressBar(label: "move", enabled: isatty(STDOUT_FILENO) == 1, stageWidth: 30)
        do {
            let summary = try await AppCommands.moveToPostgres(deps, to: to, dryRun: dryRun, progress: { bar.update($0, $1, $2) })
            bar.finish()
            for line in MoveSummaryText.lines(summary, source: deps.config.databasePath) { print(line) }
            if !summary.dryRun && !summary.committed { throw ExitCode(1) }
        } catch let error as AppCommands.MoveTargetInvalid {
            bar.finish()
            FileHandle.standardError.write(Data("move-to-postgres: \(error)\n".utf8))
            throw ExitCode(2)
        } catch let error as AppCommands.Refused {
            bar.finish()
            FileHandle.standardError.write(Data("move-to-postgres: refused: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as ExitCode {
            throw error
        } catch {
            bar.finish()
            FileHandle.standardError.write(
                Data(
                    "move-to-postgres: FAILED: \(error)\nmove-to-postgres: nothing was committed; the target is unchanged apart from its schema\n"
                        .utf8))
            throw ExitCode(1)
        }
    }
}

/// The move's report: a table of counts and checksums per table, then what to do next.
enum MoveSummaryText {
    static func lines(_ summary: AppCommands.MoveSummary, source: String) -> [String] {
        var out: [String] = []
        let width = max(24, (summary.tables.map(\.name.count).max() ?? 0) + 2)
        func pad(_ text: String, _ n: Int) -> String { text.padding(toLength: max(n, text.count), withPad: " ", startingAt: 0) }
        func left(_ text: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - text.count)) + text }
        if summary.dryRun {
            out.append(pad("table", width) + left("rows", 10) + "  checksum")
            for table in summary.tables { out.append(pad(table.name, width) + left(String(table.sourceRows), 10) + "  " + table.sourceChecksum) }
        } else {
            out.append(pad("table", width) + left("source", 10) + left("target", 10) + "  " + pad("source checksum", 18) + pad("target checksum", 18))
            for table in summary.tables {
                out.append(
                    pad(table.name, width) + left(String(table.sourceRows), 10) + left(table.targetRows.map(String.init) ?? "-", 10) + "  "
                        + pad(table.sourceChecksum, 18) + pad(table.targetChecksum ?? "-", 18) + (table.matches ? "ok" : "MISMATCH"))
            }
        }
        let rate = summary.copySeconds > 0 ? Int(Double(summary.totalRows) / summary.copySeconds) : 0
        if summary.dryRun {
            out.append(
                String(
                    format: "move-to-postgres: dry run: %d rows in %d tables read and converted in %.1f s (%d rows/s); nothing written to %@",
                    summary.totalRows, summary.tables.count, summary.copySeconds, rate, summary.target))
            out.append(
                "move-to-postgres: the target would be migrated first (\(summary.migrationsPending) migration\(summary.migrationsPending == 1 ? "" : "s") pending) and holds no users"
            )
            return out
        }
        guard summary.committed else {
            let bad = summary.tables.filter { !$0.matches }.map(\.name)
            out.append(
                "move-to-postgres: MISMATCH in \(bad.joined(separator: ", ")): rolled back, nothing was written to \(summary.target) (it stays migrated and empty)"
            )
            return out
        }
        out.append(
            String(
                format: "move-to-postgres: %d rows in %d tables copied in %.1f s (%d rows/s), verified in %.1f s; every count and checksum matches",
                summary.totalRows, summary.tables.count, summary.copySeconds, rate, summary.verifySeconds))
        if !summary.replaced.isEmpty {
            out.append(
                "move-to-postgres: replaced what the target held without users: "
                    + summary.replaced.map { "\($0.table) \($0.rows)" }.joined(separator: ", "))
        }
        out.append("move-to-postgres: next: set DATABASE_URL to the URL you gave --to (\(summary.target)) in the server's configuration")
        out.append("  (e.g. /etc/personaworlds/personaworlds.env), then start the server; every node uses that DATABASE_URL.")
        out.append("  \(source) is unchanged; keep it (or a backup of it) until you are satisfied, then remove it.")
        return out
    }
}
