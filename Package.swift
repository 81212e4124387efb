// swift-tools-version: 6.1
import PackageDescription

/// Debug builds (and so `swift test`) run the engine's internal invariant assertions;
/// release builds compile them out, as swift-collections does with COLLECTIONS_INTERNAL_CHECKS.
let internalChecks: [SwiftSetting] = [.define("INVENTORY_INTERNAL_CHECKS", .when(configuration: .debug))]

let package = Package(
    name: "seat-inventory",
    products: [
        .library(name: "SeatInventory", targets: ["SeatInventory"]),
        .library(name: "SeatProtocol", targets: ["SeatProtocol"]),
        .library(name: "SeatServer", targets: ["SeatServer"]),
        .library(name: "SeatClient", targets: ["SeatClient"]),
        .library(name: "SeatJournal", targets: ["SeatJournal"]),
        .library(name: "SeatPostgres", targets: ["SeatPostgres"]),
        .library(name: "SeatSamples", targets: ["SeatSamples"]),
        .library(name: "SeatProtocolFuzzing", targets: ["SeatProtocolFuzzing"]),
        .library(name: "Search", targets: ["Search"]),
        .library(name: "Recommender", targets: ["Recommender"]),
        .library(name: "RecommenderEvaluation", targets: ["RecommenderEvaluation"]),
        .library(name: "BoxOfficeStorage", targets: ["BoxOfficeStorage"]),
        .library(name: "Catalog", targets: ["Catalog"]),
        .library(name: "BoxOfficeSamples", targets: ["BoxOfficeSamples"]),
        .library(name: "Payments", targets: ["Payments"]),
        .library(name: "Booking", targets: ["Booking"]),
        .library(name: "Reviews", targets: ["Reviews"]),
        .library(name: "Recommendations", targets: ["Recommendations"]),
        .library(name: "Accounts", targets: ["Accounts"]),
        .library(name: "Notifications", targets: ["Notifications"]),
        .library(name: "WebUI", targets: ["WebUI"]),
        .library(name: "BoxOfficeApp", targets: ["BoxOfficeApp"]),
        .executable(name: "seatd", targets: ["seatd"]),
        .executable(name: "seatctl", targets: ["seatctl"]),
        .executable(name: "seat-load", targets: ["seat-load"]),
        .executable(name: "boxoffice", targets: ["boxoffice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .target(name: "SeatInventory", swiftSettings: internalChecks),
        .target(name: "SeatProtocol", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .target(name: "CCRC32C"),
        .target(name: "CWriteback"),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "SeatJournal", dependencies: ["SeatInventory", "CLZ4", "CCRC32C", "CCrypto", "CWriteback"]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(
            name: "SeatPostgres",
            dependencies: [
                "SeatJournal", "SeatInventory", "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "SeatProtocolFuzzing",
            dependencies: ["SeatProtocol", .product(name: "NIOCore", package: "swift-nio")]),
        .target(
            name: "SeatServer",
            dependencies: [
                "SeatInventory", "SeatProtocol", "SeatJournal",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(
            name: "SeatClient",
            dependencies: [
                "SeatProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .target(name: "SeatSamples", dependencies: ["SeatInventory"]),
        .executableTarget(
            name: "seatd",
            dependencies: [
                "SeatInventory", "SeatProtocol", "SeatServer", "SeatSamples", "SeatJournal", "SeatPostgres",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "seatctl",
            dependencies: [
                "SeatClient", "SeatProtocol", "SeatInventory",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "seat-load",
            dependencies: [
                "SeatClient", "SeatProtocol", "SeatInventory", "SeatSamples", "SeatPostgres",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]),
        // The box office: storage, the edge, one module per service, the application, the executable.
        .target(
            name: "BoxOfficeStorage",
            dependencies: [
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(
            name: "BoxOfficeEdge",
            dependencies: [
                "BoxOfficeStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
            ]),
        .target(
            name: "Accounts",
            dependencies: [
                "BoxOfficeStorage", "BoxOfficeEdge",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
            ]),
        .target(name: "Search"),
        .target(name: "Recommender", dependencies: ["Search"]),
        .target(name: "RecommenderEvaluation", dependencies: ["Recommender"]),
        .target(
            name: "SeatMaps",
            dependencies: [
                "SeatClient", "SeatProtocol",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(name: "BoxOfficeSamples", dependencies: ["Catalog", "SeatSamples"]),
        .target(
            name: "Catalog",
            dependencies: [
                "BoxOfficeStorage", "BoxOfficeEdge", "Search", "SeatClient", "SeatInventory", "SeatMaps", "SeatProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
            ]),
        .target(
            name: "Payments",
            dependencies: [
                "BoxOfficeStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
            ]),
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .target(
            name: "Booking",
            dependencies: [
                "BoxOfficeStorage", "BoxOfficeEdge", "Catalog", "Payments", "SeatClient", "SeatProtocol", "SeatInventory", "CQRencode",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(
            name: "Reviews",
            dependencies: [
                "BoxOfficeStorage", "BoxOfficeEdge", "Catalog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "SQLKit", package: "sql-kit"),
            ]),
        .target(
            name: "Recommendations",
            dependencies: [
                "BoxOfficeStorage", "BoxOfficeEdge", "Catalog", "Recommender", "Search",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(
            name: "Notifications",
            dependencies: [
                "BoxOfficeStorage", "BoxOfficeEdge", "Payments",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Templates")]),
        .target(
            name: "WebUI",
            dependencies: [
                "BoxOfficeEdge", "Accounts", "Catalog", "Payments", "Booking", "Reviews", "Recommendations", "Recommender", "Search", "SeatInventory", "SeatMaps", "Notifications",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Templates"), .copy("Static")]),
        .target(
            name: "BoxOfficeApp",
            dependencies: [
                "BoxOfficeStorage", "BoxOfficeEdge", "Accounts", "Catalog", "Payments", "Booking", "Reviews", "Recommendations", "SeatClient", "WebUI",
                "Notifications",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "boxoffice",
            dependencies: [
                "BoxOfficeApp", "BoxOfficeEdge", "BoxOfficeStorage", "Accounts", "Catalog", "BoxOfficeSamples", "SeatClient", "Booking",
                "Notifications", "Recommendations", .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        .target(
            name: "SeatTestSupport",
            dependencies: [
                "SeatInventory", "SeatJournal", "SeatSamples", "SeatClient", "SeatProtocol",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/SeatTestSupport"),
        .testTarget(
            name: "SeatLoadTests", dependencies: ["seat-load", "SeatProtocol", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "SeatJournalTests", dependencies: ["SeatJournal", "SeatSamples", "SeatTestSupport"]),
        .testTarget(name: "SeatInventoryTests", dependencies: ["SeatInventory", "SeatSamples", "SeatTestSupport"]),
        .testTarget(
            name: "SeatPostgresTests",
            dependencies: ["SeatPostgres", "SeatJournal", "SeatInventory", "SeatSamples", "SeatTestSupport",
                .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "SeatClient", "SeatProtocol", "SeatJournal", "SeatInventory", "SeatPostgres", "SeatTestSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(
            name: "SeatProtocolTests",
            dependencies: [
                "SeatProtocol", "SeatProtocolFuzzing", "SeatTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]),
        .testTarget(
            name: "SeatServerTests",
            dependencies: [
                "SeatServer", "SeatClient", "SeatProtocol", "SeatInventory", "SeatJournal", "SeatSamples", "SeatTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "SeatTestSupport"]),
        .testTarget(name: "RecommenderTests", dependencies: ["Recommender", "RecommenderEvaluation", "SeatTestSupport"]),
        .testTarget(name: "SeatMapsTests", dependencies: ["SeatMaps", "SeatClient", "SeatProtocol", "SeatSamples", "SeatTestSupport"]),
        .testTarget(
            name: "BoxOfficeTests",
            dependencies: [
                "BoxOfficeStorage", "BoxOfficeEdge", "Accounts", "Catalog", "Search", "BoxOfficeApp", "BoxOfficeSamples", "SeatTestSupport", "SeatSamples",
                "Payments", "Booking", "Reviews", "Recommendations", "Recommender", "WebUI", "Notifications",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                "SeatClient", "SeatProtocol", "SeatInventory",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdAuthTesting", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            exclude: ["Support/localstripe-loopback.py", "Support/smtp-server.py", "Support/sms-server.py"]),
    ],
    swiftLanguageModes: [.v6]
)

// scripts/test runs two concurrency suites under ThreadSanitizer, a build of its own from scratch.
// Built whole, that compiles the box office and its dependencies (SQLite, two BoringSSLs,
// Hummingbird) for nothing; SEAT_PACKAGE_SCOPE=concurrency-tests keeps only those suites' targets.
if Context.environment["SEAT_PACKAGE_SCOPE"] == "concurrency-tests" {
    let kept: Set<String> = [
        "SeatInventory", "SeatJournal", "CLZ4", "CCRC32C", "CCrypto", "CWriteback", "SeatSamples", "SeatProtocol", "SeatClient",
        "SeatTestSupport", "SeatInventoryTests", "SeatJournalTests",
    ]
    let keptPackages = ["swift-nio", "swift-nio-ssl"]
    package.targets.removeAll { !kept.contains($0.name) }
    package.products.removeAll { !kept.contains($0.name) }
    package.dependencies.removeAll { dependency in
        guard case .sourceControl(_, let location, _) = dependency.kind else { return false }
        return !keptPackages.contains { location.hasSuffix("/\($0).git") }
    }
}
