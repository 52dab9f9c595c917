import Storage

/// The PostgreSQL engine implements every store protocol and the demo seeders. It has no online backup of its own:
/// `pg_dump` is the tool for a PostgreSQL installation.
extension PostgresStore: AppStore, DemoSeeder {}
