// swift-tools-version: 6.1
import PackageDescription
import Foundation

/// The host kernels are compiled for the vector width of the machine that builds them:
/// Swift has no per-function CPU dispatch, and the batch-1 latency target needs AVX-512.
/// The embedded core never sees these flags.
let hostCPU: String? = {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
    if info.contains(" avx512_vnni") && info.contains(" avx512bw") && info.contains(" avx512vl") { return "icelake-server" }
    if info.contains(" avx512f") && info.contains(" avx512bw") && info.contains(" avx512vl") { return "skylake-avx512" }
    if info.contains(" avx2") && info.contains(" fma") { return "haswell" }
    return nil
}()
/// Kernels index with wrapping arithmetic already; -Ounchecked drops the remaining
/// overflow traps from their inner loops. Tests compare them against the checked
/// reference kernels.
/// VIGIL_AVX512 and VIGIL_VNNI say which CVigilX86 instructions the kernels may call.
let hostKernelFlags: [SwiftSetting] = (hostCPU.map { [.unsafeFlags(["-target-cpu", $0])] } ?? [])
    + (hostCPU == "icelake-server" ? [.define("VIGIL_VNNI")] : [])
    + (hostCPU == "icelake-server" || hostCPU == "skylake-avx512" ? [.define("VIGIL_AVX512")] : [])
    + [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "Vigil",
    products: [
        .library(name: "VigilRuntime", targets: ["VigilRuntime"]),
        .library(name: "VigilCrypto", targets: ["VigilCrypto"]),
        .library(name: "VigilSignalCore", targets: ["VigilSignalCore"]),
        .library(name: "VigilKernels", targets: ["VigilKernels"]),
        .library(name: "VigilSignal", targets: ["VigilSignal"]),
        .library(name: "VigilFirmware", targets: ["VigilFirmware"]),
        .library(name: "VigilImplant", targets: ["VigilImplant"]),
        .executable(name: "vigil", targets: ["vigil"]),
        .executable(name: "vigil-tuf-client", targets: ["vigil-tuf-client"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CVigilZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CAllocationCounter"),
        .target(name: "CVigilX86"),

        // The device half: each module compiles whole as Embedded Swift (Scripts/embedded-check.sh).
        .target(name: "VigilCrypto"),
        // The core calls sqrtf and rintf, which the C library provides (picolibc on a device).
        .target(name: "VigilRuntime", dependencies: ["VigilCrypto"], linkerSettings: [.linkedLibrary("m")]),
        .target(name: "VigilSignalCore"),
        .target(name: "CVigilDSP"),
        .target(name: "VigilKernelsM4", dependencies: ["VigilRuntime", "CVigilDSP"]),
        .target(name: "VigilFirmware", dependencies: ["VigilRuntime", "VigilSignalCore", "VigilCrypto"]),

        // The host half.
        .target(name: "VigilReferenceModel", dependencies: ["VigilRuntime", "VigilSignalCore"]),
        .target(
            name: "VigilKernels",
            dependencies: ["VigilRuntime", "CBLAS", "CVigilX86"],
            swiftSettings: hostKernelFlags
        ),
        .target(name: "VigilHDF5", dependencies: ["CHDF5"]),
        .target(name: "VigilSignal", dependencies: ["VigilSignalCore"]),
        .target(name: "VigilDatasets", dependencies: ["VigilSignalCore", "VigilSignal", "VigilHDF5"]),
        // Reads zip archives (.npz, .keras) bounds-checked, inflating under a byte limit.
        .target(name: "VigilZip", dependencies: ["CVigilZlib"]),
        .target(name: "VigilNumPy", dependencies: ["VigilZip", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(
            name: "VigilImport",
            dependencies: [
                "VigilRuntime", "VigilSignalCore", "VigilHDF5", "VigilNumPy", "VigilZip",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The Update Framework: metadata, signatures (OpenSSL libcrypto), repository tooling
        // and the gateway's client (DESIGN §7).
        .target(name: "VigilTUF", dependencies: ["COpenSSL"]),
        .target(name: "VigilImplant", dependencies: ["VigilRuntime", "VigilKernels", "VigilKernelsM4", "VigilFirmware", "VigilSignal", "VigilSignalCore"], resources: [.copy("Measurements")]),
        .target(name: "VigilQuantize", dependencies: ["VigilRuntime", "VigilKernels", "VigilSignalCore", "VigilSignal", "VigilNumPy", "VigilImport"]),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilRuntime", "VigilKernels", "VigilSignalCore", "VigilSignal", "VigilDatasets", "VigilReferenceModel", "VigilHDF5", "VigilImport", "VigilQuantize", "VigilNumPy", "VigilTUF", "VigilImplant", "VigilFirmware", "CAllocationCounter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The tuf-conformance client protocol over VigilTUF; linked dynamically against glibc
        // so that faketime moves its clock.
        .executableTarget(name: "vigil-tuf-client", dependencies: ["VigilTUF"]),

        // Helpers shared by the test targets (the one SplitMix64, paths); used by tests only.
        .target(name: "VigilTestSupport", dependencies: ["VigilSignalCore", "CVigilZlib"]),

        .testTarget(name: "VigilCryptoTests", dependencies: ["VigilCrypto", "VigilTestSupport"]),
        .testTarget(name: "VigilRuntimeTests", dependencies: ["VigilRuntime", "VigilReferenceModel", "VigilTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VigilKernelsTests", dependencies: ["VigilRuntime", "VigilKernels", "VigilKernelsM4", "VigilReferenceModel", "VigilTestSupport", "CAllocationCounter"]),
        .testTarget(name: "VigilImportTests", dependencies: ["VigilImport", "VigilRuntime", "VigilKernels", "VigilNumPy", "VigilQuantize", "VigilReferenceModel", "VigilTestSupport",
                                                            .product(name: "SwiftProtobuf", package: "swift-protobuf")], resources: [.copy("Fixtures")]),
        .testTarget(name: "VigilCLITests", dependencies: ["vigil", "VigilNumPy", "VigilRuntime", "VigilReferenceModel", "VigilTestSupport", "VigilImport", "VigilKernels"]),
        .testTarget(name: "VigilImplantTests", dependencies: ["VigilImplant", "VigilFirmware", "VigilRuntime", "VigilKernels", "VigilSignal", "VigilSignalCore", "VigilDatasets", "VigilTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VigilFirmwareTests", dependencies: ["VigilFirmware", "VigilRuntime", "VigilImport", "VigilSignal", "VigilSignalCore"]),
        .testTarget(name: "VigilQuantizeTests", dependencies: ["VigilQuantize", "VigilRuntime", "VigilSignal", "VigilSignalCore", "VigilTestSupport"]),
        .testTarget(name: "VigilNumPyTests", dependencies: ["VigilNumPy", "VigilZip", "VigilTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VigilTUFTests", dependencies: ["VigilTUF", "VigilTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VigilSignalTests", dependencies: ["VigilSignal", "VigilSignalCore", "VigilRuntime", "VigilDatasets", "VigilHDF5", "VigilTestSupport"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)

/// Coverage-guided fuzz harnesses (libFuzzer), one per parser, in Fuzz/Harnesses. They
/// exist only in the fuzzing build (`make fuzz`, Fuzz/run.sh), which sets VIGIL_FUZZ and
/// compiles everything with `-sanitize=fuzzer,address -parse-as-library` in its own
/// build folder: libFuzzer supplies their `main`.
if ProcessInfo.processInfo.environment["VIGIL_FUZZ"] != nil {
    let harnesses: [(String, [Target.Dependency])] = [
        ("FuzzPackage", ["VigilRuntime"]),
        ("FuzzONNX", ["VigilImport"]),
        ("FuzzTFLite", ["VigilImport"]),
        ("FuzzKeras", ["VigilImport"]),
        ("FuzzNumPy", ["VigilNumPy"]),
        ("FuzzWFDBHeader", ["VigilSignal"]),
        ("FuzzWFDBRecord", ["VigilSignal"]),
        ("FuzzAnnotations", ["VigilSignalCore"]),
        ("FuzzTUF", ["VigilTUF"]),
    ]
    package.targets.append(.target(name: "CFuzzDriver", path: "Fuzz/Harnesses/CFuzzDriver"))
    for (name, dependencies) in harnesses {
        package.targets.append(.executableTarget(name: name, dependencies: dependencies + ["CFuzzDriver"], path: "Fuzz/Harnesses/\(name)"))
    }
}

