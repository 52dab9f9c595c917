// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "personaworlds",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "personaworlds", targets: ["personaworlds"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .executableTarget(
            name: "personaworlds",
            dependencies: [
                "App", "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "App",
            dependencies: [
                "Domain", "Storage", "SQLiteStorage", "PostgresStorage", "LLM", "HTTPClient", "Worker", "Card", "Web", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "Domain"),
        .target(
            name: "Web",
            dependencies: [
                "Domain", .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["templates", "assets"],
            plugins: ["EmbedWeb"]
        ),
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CFreeType", pkgConfig: "freetype2", providers: [.apt(["libfreetype-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // gzip for text responses (`ResponseCompressionMiddleware`).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Card", dependencies: ["CFreeType", "CPNG"]),
        .target(name: "HTTPClient", dependencies: ["CCurl"]),
        .target(
            name: "LLM",
            dependencies: ["Domain", "HTTPClient", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "Worker",
            dependencies: [
                "Domain", "Storage", "LLM",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The store protocols and their result types; names no engine.
        .target(name: "Storage", dependencies: ["Domain"]),
        // The SQLite engine (GRDB): the only module that imports GRDB.
        .target(
            name: "SQLiteStorage",
            dependencies: [
                "Domain", "Storage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedSchema"]
        ),
        // The PostgreSQL engine (postgres-nio): the only module that imports PostgresNIO.
        .target(
            name: "PostgresStorage",
            dependencies: [
                "Domain", "Storage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["migrations"],
            plugins: ["EmbedMigrations"]
        ),
        .executableTarget(name: "embed-text"),
        .executableTarget(
            name: "personaworlds-bench",
            dependencies: [
                "Domain", "Storage", "SQLiteStorage", "PostgresStorage", "Worker", "LLM", "Card",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .plugin(name: "EmbedSchema", capability: .buildTool(), dependencies: ["embed-text"]),
        .plugin(name: "EmbedWeb", capability: .buildTool(), dependencies: ["embed-text"]),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["embed-text"]),
        // The test helpers; the only one that imports GRDB (TestDatabase's SQLite side) and PostgresNIO (its
        // PostgreSQL side and the test cluster).
        .target(
            name: "TestSupport",
            dependencies: [
                "App", "Domain", "Storage", "SQLiteStorage", "PostgresStorage", "LLM",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "DomainTests", dependencies: ["Domain"]),
        .testTarget(name: "CardTests", dependencies: ["Card"]),
        .testTarget(name: "WebTests", dependencies: ["Web", "Domain"]),
        .testTarget(
            name: "SQLiteStorageTests",
            dependencies: ["Storage", "SQLiteStorage", "Domain", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Fixtures"]
        ),
        // Tests outside SQLiteStorageTests reach the database through TestSupport (StoreBackend, TestDatabase) and
        // never import GRDB; SQLiteStorage and PostgresStorage appear only where a test is about one engine (backups,
        // restore, doctor).
        .testTarget(
            name: "PostgresStorageTests",
            dependencies: ["Storage", "PostgresStorage", "Domain", "TestSupport", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App", "Domain", "Storage", "SQLiteStorage", "PostgresStorage", "TestSupport", "Card",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "Storage", "Domain", "LLM", "TestSupport"]),
        .testTarget(
            name: "LLMTests",
            dependencies: [
                "LLM", "HTTPClient", "Domain", "TestSupport", "App",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "EndToEndTests", dependencies: ["personaworlds", "TestSupport", "Storage", "SQLiteStorage"]),
        // The definition of the store protocols' behaviour, run on every engine in `StoreBackend.available`.
        .testTarget(name: "StoreConformanceTests", dependencies: ["Storage", "Domain", "TestSupport"]),
    ]
)
