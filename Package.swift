// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "MedPipe",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "medpipe", targets: ["medpipe"]),
        .library(name: "MedPipeCore", targets: ["MedPipeCore"]),
        .library(name: "MedPipeFormats", targets: ["MedPipeFormats"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Native libraries (see ../shared/docs/NATIVE.md).
        .target(
            name: "CNIfTI",
            linkerSettings: [.linkedLibrary("nifti2"), .linkedLibrary("znz"), .linkedLibrary("z"), .linkedLibrary("m")]
        ),
        .target(
            name: "CDCMTK",
            cxxSettings: [.define("HAVE_CONFIG_H")],
            linkerSettings: [
                .linkedLibrary("dcmjpls"), .linkedLibrary("dcmjpeg"), .linkedLibrary("dcmimage"),
                .linkedLibrary("dcmimgle"), .linkedLibrary("dcmdata"), .linkedLibrary("oflog"),
                .linkedLibrary("ofstd"), .linkedLibrary("openjp2"), .linkedLibrary("stdc++"),
            ]
        ),
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png"), .linkedLibrary("z")]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CFLAC", pkgConfig: "flac"),

        .target(name: "MedPipeCore"),
        .target(name: "MedPipeFormats", dependencies: ["MedPipeCore", "CNIfTI", "CDCMTK", "CPNG", "CFLAC"]),
        .executableTarget(
            name: "medpipe",
            dependencies: [
                "MedPipeCore", "MedPipeFormats",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MedPipeCoreTests", dependencies: ["MedPipeCore"]),
        .testTarget(name: "MedPipeFormatsTests", dependencies: ["MedPipeFormats", "MedPipeCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
