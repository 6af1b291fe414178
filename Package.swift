// swift-tools-version: 6.1
import PackageDescription

/// Every target is compiled with these: existentials spelled `any`, members visible only from modules a file
/// imports, and imports internal unless a file marks them `public`.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "clerk-backend-swift",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ClerkBackend", targets: ["ClerkBackend"]),
        .library(name: "ClerkTesting", targets: ["ClerkTesting"]),
        .library(name: "ClerkEmulator", targets: ["ClerkEmulator"]),
        .library(name: "ClerkVapor", targets: ["ClerkVapor"]),
        .library(name: "ClerkHummingbird", targets: ["ClerkHummingbird"]),
        .executable(name: "clerk", targets: ["ClerkCLI"]),
    ],
    // What a dependent resolves: `ClerkBackend` and `ClerkTesting` need none of these. With `traits: []` a package
    // that depends on this one resolves neither Vapor, Hummingbird, GRDB, ArgumentParser nor Yams; with
    // `traits: ["Vapor"]` it adds Vapor only, with `traits: ["Hummingbird"]` Hummingbird only. This package's own
    // builds (and a dependent that names no traits) enable all three.
    traits: [
        .trait(name: "Vapor", description: "ClerkVapor, the Vapor integration."),
        .trait(name: "Hummingbird", description: "ClerkHummingbird, the Hummingbird integration."),
        .trait(name: "Emulator", description: "ClerkEmulator and the clerk command (Hummingbird, GRDB, ArgumentParser)."),
        .default(enabledTraits: ["Vapor", "Hummingbird", "Emulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .target(
            name: "ClerkBackend",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ClerkTesting",
            dependencies: [
                "ClerkBackend",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The local Clerk-compatible Backend API (Hummingbird + GRDB/SQLite). Never a dependency of ClerkBackend.
        .target(
            name: "ClerkEmulator",
            dependencies: [
                "ClerkBackend",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Emulator"])),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["Emulator"])),
                .product(name: "GRDB", package: "GRDB.swift", condition: .when(traits: ["Emulator"])),
                .product(name: "Mustache", package: "swift-mustache", condition: .when(traits: ["Emulator"])),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ClerkCLI",
            dependencies: [
                "ClerkBackend",
                "ClerkEmulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser", condition: .when(traits: ["Emulator"])),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                // The demo's webhook receiver.
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Emulator"])),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["Emulator"])),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Framework integrations: separate products, so core-only users never build Vapor or Hummingbird.
        .target(
            name: "ClerkVapor",
            dependencies: [
                "ClerkBackend",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ClerkHummingbird",
            dependencies: [
                "ClerkBackend",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Example apps (built by CI so they cannot rot).
        .executableTarget(
            name: "VaporExample",
            dependencies: ["ClerkVapor", "ClerkEmulator", .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"]))],
            path: "Examples/VaporExample",
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "HummingbirdExample",
            dependencies: [
                "ClerkHummingbird", "ClerkBackend", "ClerkEmulator",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth", condition: .when(traits: ["Hummingbird"])),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/HummingbirdExample",
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ClerkVaporTests",
            dependencies: [
                "ClerkVapor", "ClerkBackend", "ClerkTesting", "ClerkEmulator",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "VaporTesting", package: "vapor", condition: .when(traits: ["Vapor"])),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ClerkHummingbirdTests",
            dependencies: [
                "ClerkHummingbird", "ClerkBackend", "ClerkTesting", "ClerkEmulator",
                .product(name: "HummingbirdTesting", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HummingbirdAuthTesting", package: "hummingbird-auth", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ClerkEmulatorTests",
            dependencies: [
                "ClerkBackend",
                "ClerkTesting",
                "ClerkEmulator",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift", condition: .when(traits: ["Emulator"])),
                .product(name: "Yams", package: "Yams", condition: .when(traits: ["Emulator"])),
            ],
            swiftSettings: strictSettings
        ),
        // Headless Chromium through chromedriver (W3C WebDriver over AsyncHTTPClient); skipped without a browser
        // except under CI, where it must run.
        .testTarget(
            name: "ClerkBrowserTests",
            dependencies: [
                "ClerkBackend",
                "ClerkEmulator",
                "ClerkTesting",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ClerkCLITests",
            dependencies: [
                "ClerkBackend",
                "ClerkTesting",
                "ClerkEmulator",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ClerkBackendTests",
            dependencies: [
                "ClerkBackend",
                "ClerkTesting",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams", condition: .when(traits: ["Emulator"])),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
    ]
)
