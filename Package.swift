// swift-tools-version:6.0
import PackageDescription

// One binary, four floors, dependencies pointing down only:
//   Appliance → (Benchmarks →) HTTPServer, Pipeline → Storage → Support
// with Storage → CSQLite and Pipeline → CCurl. No package dependencies: only the toolchain and
// the system libraries libsqlite3 and libcurl (the latter loaded on first use, see CCurl). Linux only (Glibc, epoll): `Support` refuses to
// build elsewhere with a clear message, and no Apple platform is declared.
let package = Package(
    name: "tradewizard",
    products: [
        .executable(name: "tradewizard", targets: ["Appliance"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // libcurl's header at build time (libcurl4-openssl-dev); libcurl.so.4 is opened on first use.
        .target(name: "CCurl"),
        .systemLibrary(name: "CLinux"),
        .target(name: "Support", dependencies: ["CLinux"]),
        .target(name: "Storage", dependencies: ["Support", "CSQLite"]),
        .target(name: "Pipeline", dependencies: ["Support", "Storage", "CCurl"]),
        .target(name: "HTTPServer", dependencies: ["Support", "CLinux"]),
        // The `bench` verb's measurements and the no-op graph they (and the crash tests) run; `serve`
        // never reaches them.
        .target(name: "Benchmarks", dependencies: ["Support", "Storage", "Pipeline", "HTTPServer"]),
        .executableTarget(name: "Appliance", dependencies: ["Support", "Storage", "Pipeline", "HTTPServer", "Benchmarks", "CLinux"]),
        // Test-only helpers: loopback fakes of the external services, manual clocks, locations.
        .target(name: "TestSupport", dependencies: ["Support"], path: "Tests/TestSupport"),
        .testTarget(name: "SupportTests", dependencies: ["Support", "TestSupport"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Support", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Storage", "Support", "Benchmarks", "TestSupport"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "Support", "TestSupport"]),
        .testTarget(name: "ApplianceTests", dependencies: ["Appliance", "Benchmarks", "HTTPServer", "Pipeline", "Storage", "Support", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
