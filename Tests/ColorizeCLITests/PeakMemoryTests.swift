import Colorization
import Foundation
import Imaging
import Testing

/// Every accepted input stays under a stated peak resident set, measured on the built `colorize` in
/// a child process, as the child reports it in `--report` (`peak_rss_mb`, its own VmHWM: `wait4`'s
/// `ru_maxrss` would also carry this large test process's peak):
///
///     peak < fixed + (input channels + output channels) × pixels + 2 × (input + output file size)
///
/// `fixed` is everything that does not grow with the input's pixels: binary and libraries, model,
/// thread pools, and the network at its input size with the kernels picked for it (JIT code,
/// scratchpads, buffers the pool keeps, the timing runs that pick each layer's kernel). That part
/// is not one constant: it depends on the build, on the instruction set (oneDNN's AVX2 kernels and
/// layouts and OpenBLAS's Haswell buffers take 45–55 MiB more than AVX-512's for the 65500×1 case:
/// 176 MiB in a debug build with AVX-512, 222–231 MiB capped to AVX2; a stated 215 MiB failed
/// there), and, as kernels are picked by timing, from run to run. So the child measures it
/// itself: it first colorizes a small reference image with the same network input
/// (`Colorizer.networkDimensions`), which picks the same kernels the case then reuses, and the
/// case's peak may exceed the reference's only by the case's own pixels and file bytes. `--batch
/// 1` keeps the two out of one network batch. The output file counts twice because the encoder's
/// whole result is held in memory, in the C buffer and its Swift copy, before the write: a noisy
/// 12-MP colour PNG is 34 MB. Sizes are kept small enough for a debug build (2000×1500 rather than
/// 4000×3000, whose debug run took 25 s); README's Colorizing section has release figures.
@Suite struct PeakMemoryTests {
    typealias CLI = ColorizeCommandTests

    /// A grey PNG of `width`×`height` with texture (so it compresses like a photo, not like a blank page).
    static func texturedPNG(width: Int, height: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width { bytes[y * width + x] = UInt8(truncatingIfNeeded: (x &* 7 &+ y &* 3) ^ (x &* y >> 5)) }
        }
        return try ImageCodec.encode(PixelImage(width: width, height: height, channels: 1, bytes: bytes), as: .png)
    }

    /// A 2000×1500 PNG and a 65500×1 PNG, whose network input the thin-image cap bounds.
    @Test(arguments: [(2000, 1500), (65500, 1)])
    func acceptedInputsStayUnderTheStatedPeak(width: Int, height: Int) throws {
        let folder = CLI.temporaryDirectory()
        let size = try ModelFile.loadGenerator(from: CLI.model).1.configuration.size
        let network = Colorizer.networkDimensions(width: width, height: height, size: size)
        // An image of the network's own size maps to that size (checked, not assumed).
        #expect(Colorizer.networkDimensions(width: network.width, height: network.height, size: size) == network)
        let reference = folder + "/reference.png", input = folder + "/grey-\(width)x\(height).png"
        try Data(Self.texturedPNG(width: network.width, height: network.height)).write(
            to: URL(fileURLWithPath: reference))
        let encoded = try Self.texturedPNG(width: width, height: height)
        try Data(encoded).write(to: URL(fileURLWithPath: input))
        let report = folder + "/report.jsonl"
        let result = try RawProcess.run(
            CLI.executable,
            [reference, input, "--batch", "1", "--model", CLI.model, "--report", report].map { Array($0.utf8) })
        #expect(result.status == 0, "\(result.output)\(result.errors)")
        let outputPath = folder + "/grey-\(width)x\(height)_color.png"
        let output = try ImageCodec.readPixels(path: outputPath)
        #expect(output.width == width && output.height == height && output.channels == 3)
        let outputBytes = (try FileManager.default.attributesOfItem(atPath: outputPath)[.size] as? Int) ?? 0

        var peaks: [String: Int] = [:]
        for line in try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if let path = object?["input"] as? String, let peak = (object?["peak_rss_mb"] as? NSNumber)?.doubleValue {
                peaks[(path as NSString).lastPathComponent] = Int(peak * 1_048_576)
            }
        }
        let fixed = try #require(peaks["reference.png"], "no reference line in \(report)")
        let peak = try #require(peaks["grey-\(width)x\(height).png"], "no line for the input in \(report)")
        let bound = fixed + (1 + 3) * width * height + 2 * (encoded.count + outputBytes)
        print(
            "peak RSS \(width)×\(height): \(peak >> 20) MiB (bound \(bound >> 20) MiB; fixed part \(fixed >> 20) MiB, "
                + "network \(network.width)×\(network.height))")
        #expect(peak < bound, "peak \(peak) bytes ≥ \(bound)")
    }
}
