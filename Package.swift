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
        .library(name: "SeatSamples", targets: ["SeatSamples"]),
        .executable(name: "seat-demo", targets: ["seat-demo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
    ],
    targets: [
        .target(name: "SeatInventory", swiftSettings: internalChecks),
        .target(name: "SeatProtocol", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .target(name: "SeatSamples", dependencies: ["SeatInventory"]),
        .executableTarget(name: "seat-demo", dependencies: ["SeatInventory", "SeatSamples"]),
        .testTarget(name: "SeatInventoryTests", dependencies: ["SeatInventory", "SeatSamples"]),
        .testTarget(
            name: "SeatProtocolTests",
            dependencies: [
                "SeatProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
