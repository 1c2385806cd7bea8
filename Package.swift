// swift-tools-version: 6.1
import PackageDescription

/// The libraries that do the work (readers, stages, cache, de-identification, conversion, export, layers) are
/// optimized even in debug builds, so that the test suite trains the course's models and converts real data in
/// minutes: the tests run the debug `medpipe`, and an unoptimized one took 1.6x as long over the conversion and
/// de-identification tests (269 s against 169 s) for 26 s more of a clean build. `-O` keeps overflow checks and
/// preconditions; it drops `assert`s. The command-line layer, the report and the tests compile unoptimized.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "MedPipe",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "medpipe", targets: ["medpipe"]),
        .library(name: "MedPipeCore", targets: ["MedPipeCore"]),
        .library(name: "MedPipeFormats", targets: ["MedPipeFormats"]),
        .library(name: "MedPipeStages", targets: ["MedPipeStages"]),
        .library(name: "MedPipeData", targets: ["MedPipeData"]),
        .library(name: "MedPipeTrain", targets: ["MedPipeTrain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Native libraries (see ../shared/docs/NATIVE.md).
        .target(
            name: "CNIfTI",
            linkerSettings: [
                .linkedLibrary("nifti2"), .linkedLibrary("znz"), .linkedLibrary("deflate"),
                .linkedLibrary("z"), .linkedLibrary("m"),
            ]
        ),
        .target(
            name: "CDCMTK",
            cxxSettings: [.define("HAVE_CONFIG_H")],
            linkerSettings: [
                .linkedLibrary("dcmjpls"), .linkedLibrary("dcmjpeg"),
                .linkedLibrary("dcmimgle"), .linkedLibrary("dcmdata"), .linkedLibrary("oflog"),
                .linkedLibrary("ofstd"), .linkedLibrary("openjp2"), .linkedLibrary("jpeg"), .linkedLibrary("z"), .linkedLibrary("stdc++"),
            ]
        ),
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png"), .linkedLibrary("z")]),
        .target(name: "CBLAS", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]),
        .systemLibrary(name: "CFLAC", pkgConfig: "flac"),
        // OpenSSL's libcrypto: SHA-256 and HMAC (Debian's libssl-dev).
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto"),
        .target(name: "CXGBoost", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]),
        .target(name: "CMPI", linkerSettings: [.linkedLibrary("dl")]),

        .target(name: "MedPipeCore", dependencies: ["COpenSSL"], swiftSettings: optimizedInDebug),
        // Open MPI, loaded only under mpirun/srun: ranks and collectives for multi-process convert and train.
        .target(name: "MedPipeMPI", dependencies: ["MedPipeCore", "CMPI"]),
        .target(name: "MedPipeFormats", dependencies: ["MedPipeCore", "CNIfTI", "CDCMTK", "CPNG", "CFLAC"], swiftSettings: optimizedInDebug),
        .target(name: "MedPipeStages", dependencies: ["MedPipeCore"], swiftSettings: optimizedInDebug),
        // The dataset-to-batches bridge (batch sources, epoch order, prefetching) that the trainer consumes:
        // apart from MedPipeTrain, so that what reads a cache without training never links the trainer or BLAS.
        .target(name: "MedPipeData", dependencies: ["MedPipeCore"], swiftSettings: optimizedInDebug),
        .target(
            name: "MedPipeCache",
            dependencies: [
                "MedPipeCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the system's reason behind an I/O error (sqlite3_system_errno).
                .product(name: "GRDBSQLite", package: "GRDB.swift")
            ],
            swiftSettings: optimizedInDebug
        ),
        .target(
            name: "MedPipeDeidentify",
            dependencies: ["MedPipeCore", "MedPipeFormats", "CNIfTI"],
            swiftSettings: optimizedInDebug
        ),
        .target(
            name: "MedPipePipeline",
            dependencies: ["MedPipeCore", "MedPipeFormats", "MedPipeStages", "MedPipeCache", "MedPipeData", "MedPipeMPI", .product(name: "Yams", package: "Yams")],
            swiftSettings: optimizedInDebug
        ),
        .target(name: "MedPipeTrain", dependencies: ["MedPipeCore", "MedPipeData", "MedPipeMPI", "CBLAS"], swiftSettings: optimizedInDebug),
        .target(name: "MedPipeTrees", dependencies: ["MedPipeCore", "MedPipeData", "MedPipePipeline", "MedPipeTrain", "CXGBoost"]),
        .target(name: "MedPipeExplain", dependencies: ["MedPipeCore", "MedPipeFormats", "MedPipeTrain"], swiftSettings: optimizedInDebug),
        .target(
            name: "MedPipeReport",
            dependencies: ["MedPipeCore", "MedPipeData", "MedPipeFormats", "MedPipeCache", "MedPipePipeline", "MedPipeStages", "MedPipeTrain",
                           "MedPipeTrees", "MedPipeExplain", "MedPipeExport", "MedPipeDeidentify"]
        ),
        .target(
            name: "MedPipeExport",
            dependencies: ["MedPipeCore", "MedPipeFormats", "MedPipeCache", "MedPipePipeline", "MedPipeStages", "CDCMTK", "CNIfTI"],
            swiftSettings: optimizedInDebug
        ),
        .executableTarget(
            name: "medpipe",
            dependencies: [
                "MedPipeCore", "MedPipeFormats", "MedPipeCache", "MedPipeData", "MedPipePipeline", "MedPipeTrain", "MedPipeStages",
                "MedPipeDeidentify", "MedPipeExplain", "MedPipeExport", "MedPipeReport", "MedPipeTrees", "MedPipeMPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .executableTarget(name: "medpipe-bench", dependencies: ["MedPipeCore", "MedPipeFormats", "MedPipeData", "MedPipeTrain", "MedPipeExplain", "MedPipePipeline"]),
        // Replays files through the fuzz targets; `tools/fuzz` builds it as a libFuzzer binary.
        .executableTarget(name: "medpipe-fuzz", dependencies: ["MedPipeCore", "MedPipeCache", "MedPipeData", "MedPipeFormats", "MedPipeStages", "MedPipePipeline", "MedPipeTrain", "MedPipeDeidentify"]),
        .target(name: "TestSupport", dependencies: ["MedPipeCore"], path: "Tests/TestSupport", swiftSettings: optimizedInDebug),
        .testTarget(name: "MedPipeCoreTests", dependencies: ["MedPipeCore", "TestSupport"]),
        .testTarget(
            name: "MedPipeExportTests",
            dependencies: ["MedPipeExport", "MedPipeFormats", "MedPipeCache", "MedPipePipeline", "MedPipeStages", "MedPipeDeidentify", "MedPipeCore", "TestSupport"]
        ),
        .testTarget(
            name: "MedPipeReportTests",
            dependencies: ["MedPipeReport", "MedPipePipeline", "MedPipeTrain", "MedPipeTrees", "MedPipeFormats", "MedPipeCore", "TestSupport"]
        ),
        .testTarget(name: "MedPipeExplainTests", dependencies: ["MedPipeExplain", "MedPipeData", "MedPipeTrain", "MedPipeCore", "TestSupport"]),
        .testTarget(name: "MedPipePipelineTests", dependencies: ["MedPipePipeline", "MedPipeCore", "MedPipeCache", "MedPipeStages", "MedPipeFormats", "MedPipeData", "MedPipeTrain", "MedPipeMPI", "TestSupport"]),
        .testTarget(name: "MedPipeStagesTests", dependencies: ["MedPipeStages", "MedPipeCore", "TestSupport"]),
        .testTarget(name: "MedPipeCacheTests", dependencies: ["MedPipeCache", "MedPipeCore", "TestSupport"]),
        .testTarget(name: "MedPipeDeidentifyTests", dependencies: ["MedPipeDeidentify", "MedPipeCore", "MedPipeFormats", "TestSupport"]),
        .testTarget(name: "MedPipeFormatsTests", dependencies: ["MedPipeFormats", "MedPipeCore", "TestSupport"]),
        .testTarget(name: "MedPipeTreesTests", dependencies: ["MedPipeTrees", "MedPipeData", "MedPipeTrain", "MedPipePipeline", "MedPipeFormats", "MedPipeCore", "TestSupport"]),
        .testTarget(name: "MedPipeTrainTests", dependencies: ["MedPipeTrain", "MedPipeData", "MedPipeCore", "MedPipeFormats", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
