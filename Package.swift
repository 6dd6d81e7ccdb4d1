// swift-tools-version:6.0
import PackageDescription

// One binary, three floors: Appliance → Pipeline → Storage → CSQLite, and Pipeline → CCurl.
// No package dependencies: only the toolchain and the system libraries libsqlite3 and libcurl.
let package = Package(
    name: "tradewizard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tradewizard", targets: ["Appliance"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .systemLibrary(
            name: "CCurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]
        ),
        .systemLibrary(name: "CLinux"),
        .target(name: "Storage", dependencies: ["CSQLite"]),
        .target(name: "Pipeline", dependencies: ["Storage", "CCurl"]),
        .executableTarget(name: "Appliance", dependencies: ["Pipeline", "Storage", "CLinux"]),
        // Loopback fakes of the external services, shared by the test targets.
        .target(name: "TestSupport", dependencies: ["Storage"], path: "Tests/TestSupport"),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Storage", "TestSupport"]),
        .testTarget(name: "ApplianceTests", dependencies: ["Appliance", "Pipeline", "Storage", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
