// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "s3edge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "s3edge", targets: ["s3edge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // System libraries, linked from the distribution (never vendored).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // One typed C function per OpenSSL macro or variadic call Swift cannot import.
        .target(name: "COpenSSLShims", dependencies: ["COpenSSL"]),
        .target(name: "CCurlShims", dependencies: ["CCurl"]),

        .target(
            name: "EdgeConfig",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "EdgeTLS",
            dependencies: [
                "COpenSSL", "COpenSSLShims",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "EdgeOrigin",
            dependencies: [
                "EdgeTLS", "CCurl", "CCurlShims",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "EdgeCache",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // CloudFront's invalidation API wire format: a strict XML reader, request decoding,
        // response rendering. Pure Swift, no dependencies.
        .target(name: "EdgeAdminAPI"),
        // CloudFront signed URLs and signed cookies: trusted public keys (OpenSSL), policy
        // parsing, and the per-request verification. Pure: callers pass the URL, cookies,
        // client address and the time.
        .target(name: "EdgeSignedURL", dependencies: ["COpenSSL", "COpenSSLShims"]),
        .target(
            name: "EdgeStore",
            dependencies: [
                "CLMDB", "EdgeCache", "EdgeTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "EdgeServer",
            dependencies: [
                "EdgeTLS", "EdgeConfig", "EdgeOrigin", "EdgeCache", "EdgeStore", "EdgeAdminAPI", "EdgeSignedURL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "s3edge",
            dependencies: [
                "EdgeServer", "EdgeConfig", "EdgeTLS", "EdgeOrigin", "EdgeStore", "EdgeAdminAPI", "CCurl", "CCurlShims",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .testTarget(name: "EdgeConfigTests", dependencies: ["EdgeConfig"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "EdgeTLSTests",
            dependencies: [
                "EdgeTLS", "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "EdgeOriginTests",
            dependencies: [
                "EdgeOrigin", "EdgeTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EdgeCacheTests",
            dependencies: ["EdgeCache", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(name: "EdgeAdminAPITests", dependencies: ["EdgeAdminAPI"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "EdgeSignedURLTests",
            dependencies: ["EdgeSignedURL", "COpenSSL", "COpenSSLShims"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EdgeStoreTests",
            dependencies: ["EdgeStore", "EdgeCache", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "EdgeServerTests",
            dependencies: [
                "EdgeServer", "EdgeConfig", "EdgeTLS", "EdgeOrigin",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ]
)
