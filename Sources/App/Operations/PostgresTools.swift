import Domain

/// What `backup` and `restore` say on PostgreSQL: the server's own tools do those jobs (a consistent dump while the
/// server runs, and a restore into an empty database), so the commands print the exact invocations instead. The URL is
/// left in `$DATABASE_URL`, so no password is printed.
enum PostgresTools {
    static func backupAdvice(_ url: DatabaseURL, now: Timestamp) -> String {
        """
        the database is PostgreSQL (\(url.redacted)); back it up with pg_dump while the server keeps running:
          pg_dump --format=custom --file=personaworlds-\(now.fileStamp).dump "$DATABASE_URL"
        """
    }

    static func restoreAdvice(_ url: DatabaseURL, file: String) -> String {
        """
        the database is PostgreSQL (\(url.redacted)); restore a pg_dump file with pg_restore, with every node stopped:
          pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" \(file)
        """
    }
}
