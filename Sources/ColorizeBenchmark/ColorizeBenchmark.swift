import ArgumentParser
import Colorization
import Foundation
import Imaging

/// `colorize-benchmark colorize`: the main job on a big photo — a 12-MP grey JPEG colorized to
/// JPEG (with the default colour decoding and with the plain annealed mean, to show what the
/// decoding costs) and to PNG, end to end (read, decode, colorize, encode, write), beside the I/O floor
/// (decoding and re-encoding the same file with no colorization), a 50-MP photo to JPEG, and a
/// 1-MP photo with and without a colour reference of 1 MP (read, matched and followed in the timed
/// run: what `--reference` costs). Each case runs in a child process of its own and reports its
/// own peak RSS (model included).
struct ColorizeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "colorize",
        abstract: "Time colorizing a 12-MP grey JPEG to JPEG and PNG beside the I/O floor; peak RSS per case.")

    @Option(help: "Model file.")
    var model = "Models/default.safetensors"

    @Option(help: "Photo width.")
    var width = 4000

    @Option(help: "Photo height.")
    var height = 3000

    @Option(help: "Megapixels of the large photo (0 skips it).")
    var largeMegapixels = 50

    @Option(help: "Megapixels of the photo colorized with and without a colour reference (0 skips it).")
    var referenceMegapixels = 1.0

    @Option(help: "Timed runs per case (the median is reported).")
    var runs = 3

    func run() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-benchmark-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("photo.jpg").path
        let bytes = try Self.writeGreyPhoto(width: width, height: height, to: input)
        print("input: \(width)×\(height) grey JPEG, \(bytes / 1024) KiB; model \(model); median of \(runs)")
        print("case                                   seconds   × floor   peak RSS")
        func measure(
            _ label: String, _ mode: String, _ path: String, floor: Double?, reference: String? = nil
        ) throws -> Double {
            let result = try ChildProcess.runSelf(
                ["colorize-case", "--mode", mode, "--input", path, "--model", model, "--runs", "\(runs)"]
                    + (reference.map { ["--reference", $0] } ?? []))
            let fields = result.output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
            guard fields.count == 2 else {
                throw BenchmarkError("unexpected output of the \(mode) case: \(result.output)")
            }
            let (seconds, peak) = (fields[0], fields[1])
            let ratio = floor.map { String(format: "%7.2f×", seconds / $0) } ?? "        "
            print(
                label.padding(toLength: 36, withPad: " ", startingAt: 0)
                    + String(format: "%8.3f s  %@  %6.0f MiB", seconds, ratio, peak))
            return seconds
        }
        let floor = try measure("I/O floor: decode + encode JPEG", "floor", input, floor: nil)
        _ = try measure("JPEG → JPEG, plain annealed mean", "jpeg-plain", input, floor: floor)
        _ = try measure("JPEG → JPEG (colorize)", "jpeg", input, floor: floor)
        _ = try measure("JPEG → PNG (colorize)", "png", input, floor: floor)
        if largeMegapixels > 0 {
            let side = (Double(largeMegapixels) * 1e6 / 12).squareRoot()
            let (w, h) = (Int(side * 4), Int(side * 3))
            let large = folder.appendingPathComponent("large.jpg").path
            _ = try Self.writeGreyPhoto(width: w, height: h, to: large)
            let largeFloor = try measure("\(w)×\(h) floor", "floor", large, floor: nil)
            _ = try measure("\(w)×\(h) JPEG → JPEG", "jpeg", large, floor: largeFloor)
        }
        if referenceMegapixels > 0 {
            let side = (referenceMegapixels * 1e6 / 12).squareRoot()
            let (w, h) = (Int(side * 4), Int(side * 3))
            let photo = folder.appendingPathComponent("small.jpg").path
            let reference = folder.appendingPathComponent("reference.jpg").path
            _ = try Self.writeGreyPhoto(width: w, height: h, to: photo)
            try Self.writeColourPhoto(width: w, height: h, to: reference)
            let plain = try measure("\(w)×\(h) JPEG → JPEG", "jpeg", photo, floor: nil)
            let referenced = try measure(
                "\(w)×\(h) with a \(w)×\(h) reference", "jpeg", photo, floor: nil, reference: reference)
            print(String(format: "the reference costs %.3f s (read, matched, followed)", referenced - plain))
        }
    }

    /// A colour photo-like JPEG: the grey photo's shapes with a hue that drifts across it.
    static func writeColourPhoto(width: Int, height: Int, to path: String) throws {
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let shape = 128 + 90 * sinf(Float(x) / 90) * cosf(Float(y) / 70)
                let hue = Float(x + y) / Float(width + height) * 6
                for c in 0..<3 {
                    let tint = 0.6 + 0.4 * cosf(hue - Float(c) * 2.1)
                    bytes[(y * width + x) * 3 + c] = UInt8(min(max(shape * tint, 0), 255))
                }
            }
        }
        let encoded = try ImageCodec.encode(
            PixelImage(width: width, height: height, channels: 3, bytes: bytes), as: .jpeg,
            options: ImageCodec.EncodingOptions(jpegQuality: 90))
        try Data(encoded).write(to: URL(fileURLWithPath: path))
    }

    /// A grey photo-like JPEG (quality 90): smooth shapes plus fine noise, so it compresses like a
    /// photo rather than like a flat test pattern. Returns its size in bytes.
    static func writeGreyPhoto(width: Int, height: Int, to path: String) throws -> Int {
        var bytes = [UInt8](repeating: 0, count: width * height)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let noise = Float(Int(state >> 59)) - 16
                let shape = 128 + 90 * sinf(Float(x) / 90) * cosf(Float(y) / 70)
                bytes[y * width + x] = UInt8(min(max(shape + noise, 0), 255))
            }
        }
        let encoded = try ImageCodec.encode(
            PixelImage(width: width, height: height, channels: 1, bytes: bytes), as: .jpeg,
            options: ImageCodec.EncodingOptions(jpegQuality: 90))
        try Data(encoded).write(to: URL(fileURLWithPath: path))
        return encoded.count
    }
}

/// One case of `colorize`, run in its own process; prints the median seconds and its own peak RSS.
struct ColorizeCase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "colorize-case", abstract: "One case of the colorize benchmark (internal).",
        shouldDisplay: false)

    @Option(
        help:
            "floor (decode + re-encode as JPEG), jpeg or png (colorize to that format), jpeg-plain (JPEG, decoded by the plain annealed mean)."
    )
    var mode: String

    @Option(help: "Input JPEG.")
    var input: String

    @Option(help: "Model file.")
    var model: String

    @Option(help: "Timed runs.")
    var runs = 3

    @Option(help: "A colour reference, read and matched in every timed run (jpeg and png modes).")
    var reference: String?

    func run() throws {
        Colorizer.configureProcessForPhotos()
        let output = input + (mode == "png" ? ".out.png" : ".out.jpg")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let colorizer =
            mode == "floor"
            ? nil : try Colorizer(modelPath: model, decoding: mode == "jpeg-plain" ? .annealedMean : .standard)
        var failure: Error?
        let seconds = Timing.median(runs: runs) {
            do {
                let pixels = try ImageCodec.readPixels(path: input)
                var references: [ColorReference] = []
                if let reference, let colorizer {
                    references = [try colorizer.reference(ImageCodec.read(path: reference), name: reference)]
                }
                let result = colorizer.map { $0.colorize(pixels, references: references) } ?? pixels
                try ImageCodec.write(result, to: output)
            } catch { failure = error }
        }
        if let failure { throw failure }
        print(seconds, Processor.peakSinceExecMiB)
    }
}
