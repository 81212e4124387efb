// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets, kept out of the main package because they link only when built with
// `--sanitize=fuzzer`. Build and run with `Fuzz/run`.
let package = Package(
    name: "seat-inventory-fuzz",
    dependencies: [
        .package(name: "seat-inventory", path: "..")
    ],
    targets: [
        .executableTarget(
            name: "ProtocolFuzzer",
            dependencies: [.product(name: "SeatProtocolFuzzing", package: "seat-inventory")])
    ],
    swiftLanguageModes: [.v6]
)
