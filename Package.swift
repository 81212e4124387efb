// swift-tools-version: 6.1
import PackageDescription

/// Debug builds (and so `swift test`) run the engine's internal invariant assertions;
/// release builds compile them out, as swift-collections does with COLLECTIONS_INTERNAL_CHECKS.
let internalChecks: [SwiftSetting] = [.define("INVENTORY_INTERNAL_CHECKS", .when(configuration: .debug))]

let package = Package(
    name: "seat-inventory",
    products: [
        .library(name: "SeatInventory", targets: ["SeatInventory"]),
        .library(name: "SeatSamples", targets: ["SeatSamples"]),
        .executable(name: "seat-demo", targets: ["seat-demo"]),
    ],
    targets: [
        .target(name: "SeatInventory", swiftSettings: internalChecks),
        .target(name: "SeatSamples", dependencies: ["SeatInventory"]),
        .executableTarget(name: "seat-demo", dependencies: ["SeatInventory", "SeatSamples"]),
        .testTarget(name: "SeatInventoryTests", dependencies: ["SeatInventory", "SeatSamples"]),
    ],
    swiftLanguageModes: [.v6]
)
