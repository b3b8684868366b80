// swift-tools-version: 6.1
import PackageDescription

/// Colorize: automatic colorization of grey photographs.
/// Layers (lower never imports higher): Threading → Imaging, Tensor → NeuralNetwork → Colorization → ColorizeCLI;
/// MessagePassing (MPI) sits beside Threading, used by Colorization's trainers and the CLI.
let package = Package(
    name: "Colorize",
    products: [
        .executable(name: "colorize", targets: ["ColorizeCLI"]),
        .executable(name: "colorize-benchmark", targets: ["ColorizeBenchmark"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Imaging", targets: ["Imaging"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // System libraries: a module map each, nothing else.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-openmp-dev"])]),
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "COpenMP", path: "Sources/COpenMP"),

        // One thread pool (OpenMP's) for the kernels, the engine's loops and the image loops alike.
        .target(name: "Threading", dependencies: ["COpenMP"]),

        // AVX-512 kernels for the few passes oneDNN runs slowly; C so one file can target AVX-512.
        .target(name: "CKernels"),
        .target(name: "Tensor", dependencies: ["CBLAS", "CDNNL", "CKernels", "Threading"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        // libpng/libjpeg calls wrapped in C so their longjmp error paths never cross Swift frames.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"],
                linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),
        .target(name: "Imaging", dependencies: ["CImageCodecs", "Threading"]),
        // OpenMPI, loaded at run time (dlopen) so that the binary also runs where it is not installed.
        .target(name: "CMPI", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "MessagePassing", dependencies: ["CMPI"]),
        .target(name: "NeuralNetwork", dependencies: ["Tensor", "Threading"]),
        .target(
            name: "Colorization", dependencies: ["Tensor", "NeuralNetwork", "Imaging", "Threading", "MessagePassing"]),
        .target(name: "ColorizeServer", dependencies: [
            "Colorization", "Imaging", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
        ]),
        .executableTarget(name: "ColorizeCLI", dependencies: [
            "Colorization", "ColorizeServer", "Imaging", "MessagePassing", "NeuralNetwork", "Tensor", "Threading",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "ColorizeBenchmark", dependencies: [
            "Colorization", "Imaging", "NeuralNetwork", "Tensor", "Threading",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NeuralNetworkTests", dependencies: ["NeuralNetwork", "Tensor"]),
        .testTarget(
            name: "ColorizeCLITests", dependencies: ["ColorizeCLI", "Colorization", "Imaging", "MessagePassing", "Threading"]),
        .testTarget(name: "ColorizeServerTests", dependencies: [
            "ColorizeServer", "Colorization", "Imaging", .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(
            name: "ColorizationTests",
            dependencies: ["Colorization", "NeuralNetwork", "Tensor", "Imaging", "MessagePassing"]),
    ],
    swiftLanguageModes: [.v6]
)
