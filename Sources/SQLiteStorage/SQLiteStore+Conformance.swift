import Storage

/// The SQLite engine implements every store protocol (the conformance suite runs against it), the online backup and
/// the demo seeders.
extension SQLiteStore: AppStore, OnlineBackup, DemoSeeder {}
