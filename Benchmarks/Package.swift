// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "seat-inventory-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "seat-inventory", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SeatInventory", package: "seat-inventory"),
                .product(name: "SeatSamples", package: "seat-inventory"),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "IdleSeatMemory",
            dependencies: [
                .product(name: "SeatInventory", package: "seat-inventory"),
                .product(name: "SeatSamples", package: "seat-inventory"),
            ],
            path: "IdleSeatMemory"
        ),
        .executableTarget(
            name: "HotPathProfile",
            dependencies: [
                .product(name: "SeatInventory", package: "seat-inventory"),
                .product(name: "SeatSamples", package: "seat-inventory"),
            ],
            path: "HotPathProfile"
        ),
    ],
    swiftLanguageModes: [.v6]
)
