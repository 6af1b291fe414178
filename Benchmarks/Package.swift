// swift-tools-version: 6.1
// Benchmarks for ClerkBackend: a package of its own, so CI and users never build it.
// Run: cd Benchmarks && swift package --disable-sandbox benchmark
import Foundation
import PackageDescription

// A path dependency is named after its folder, whatever the clone is called.
let sdkPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "ClerkBackendBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        // The baseline a Swift developer would otherwise write: vapor/jwt-kit verifying the same token.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
    ],
    targets: [
        // The fixtures every benchmark and the profiling driver use.
        .target(
            name: "BenchmarkFixtures",
            dependencies: [
                .product(name: "ClerkBackend", package: sdkPackage),
                .product(name: "ClerkTesting", package: sdkPackage),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The Vapor and Hummingbird routes (open, and protected by Clerk) of the route benchmarks.
        .target(
            name: "RouteFixtures",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "ClerkBackend", package: sdkPackage),
                .product(name: "ClerkVapor", package: sdkPackage),
                .product(name: "ClerkHummingbird", package: sdkPackage),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // `clerk-profile <scenario> [n]`: one scenario in a loop, for perf or valgrind's callgrind; `clerk-profile
        // compare …`: scenarios interleaved in one process.
        .executableTarget(
            name: "clerk-profile",
            dependencies: [
                "BenchmarkFixtures",
                "RouteFixtures",
                .product(name: "ClerkVapor", package: sdkPackage),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ClerkBackend", package: sdkPackage),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "ClerkBenchmarks",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ClerkBackend", package: sdkPackage),
                .product(name: "ClerkTesting", package: sdkPackage),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Benchmarks/ClerkBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Vapor, Hummingbird and the emulator: a target of its own, so the core benchmarks build without them
        // (`swift package benchmark --target ClerkBenchmarks`).
        .executableTarget(
            name: "IntegrationBenchmarks",
            dependencies: [
                "BenchmarkFixtures",
                "RouteFixtures",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ClerkBackend", package: sdkPackage),
                .product(name: "ClerkEmulator", package: sdkPackage),
                .product(name: "ClerkVapor", package: sdkPackage),
                .product(name: "ClerkHummingbird", package: sdkPackage),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
            ],
            path: "Benchmarks/IntegrationBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
