// swift-tools-version: 6.1
import PackageDescription

/// What the benchmark executables use of the root package.
let engine: [Target.Dependency] = [
    .product(name: "SeatInventory", package: "seat-inventory"),
    .product(name: "SeatSamples", package: "seat-inventory"),
]

let package = Package(
    name: "seat-inventory-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "seat-inventory", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: engine + [.product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(name: "IdleSeatMemory", dependencies: engine, path: "IdleSeatMemory"),
        .executableTarget(name: "HotPathProfile", dependencies: engine, path: "HotPathProfile"),
        .executableTarget(
            name: "RecoveryData",
            dependencies: engine + [.product(name: "SeatJournal", package: "seat-inventory")],
            path: "RecoveryData"),
        .executableTarget(
            name: "SearchScale",
            dependencies: [
                .product(name: "Search", package: "seat-inventory"),
                .product(name: "Catalog", package: "seat-inventory"),
                .product(name: "BoxOfficeStorage", package: "seat-inventory"),
                .product(name: "BoxOfficeSamples", package: "seat-inventory"),
                .product(name: "SeatSamples", package: "seat-inventory"),
            ],
            path: "SearchScale"),
        .executableTarget(
            name: "SearchPeers",
            dependencies: [
                .product(name: "BoxOfficeStorage", package: "seat-inventory"),
                .product(name: "BoxOfficeSamples", package: "seat-inventory"),
                .product(name: "Catalog", package: "seat-inventory"),
                .product(name: "SeatSamples", package: "seat-inventory"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "SearchPeers"),
        .executableTarget(
            name: "FlashSale",
            dependencies: [
                .product(name: "Accounts", package: "seat-inventory"),
                .product(name: "BoxOfficeApp", package: "seat-inventory"),
                .product(name: "BoxOfficeStorage", package: "seat-inventory"),
                .product(name: "SeatClient", package: "seat-inventory"),
                .product(name: "SeatSamples", package: "seat-inventory"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "FlashSale"),
        .executableTarget(
            name: "RecommendationRebuild",
            dependencies: [
                .product(name: "BoxOfficeSamples", package: "seat-inventory"),
                .product(name: "BoxOfficeStorage", package: "seat-inventory"),
                .product(name: "Catalog", package: "seat-inventory"),
                .product(name: "Recommendations", package: "seat-inventory"),
                .product(name: "Recommender", package: "seat-inventory"),
                .product(name: "RecommenderEvaluation", package: "seat-inventory"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "RecommendationRebuild"),
        .executableTarget(
            name: "RecommenderReport",
            dependencies: [
                .product(name: "Recommender", package: "seat-inventory"),
                .product(name: "RecommenderEvaluation", package: "seat-inventory"),
            ],
            path: "RecommenderReport"),
        .executableTarget(
            name: "HelloHummingbird", dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "HelloHummingbird"),
    ],
    swiftLanguageModes: [.v6]
)
