import ArgumentParser
import Colorization
import Foundation
import Imaging

/// `colorize-benchmark colorize`: end-to-end time and peak memory to colorize a large photo with a model.
struct ColorizeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "colorize",
        abstract: "Time loading the model and colorizing a 12-MP photo (decode, inference, encode); report peak RSS.")

    @Option(help: "Model file.")
    var model = "Models/default.safetensors"

    @Option(help: "Photo width.")
    var width = 4000

    @Option(help: "Photo height.")
    var height = 3000

    @Option(help: "Timed runs (the median is reported).")
    var runs = 3

    func run() throws {
        var samples = [Float](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width { samples[y * width + x] = 0.5 + 0.4 * sinf(Float(x) / 90) * cosf(Float(y) / 70) } }
        let jpeg = try ImageCodec.encodeJPEG(Image(samples: samples, width: width, height: height, channels: 1), quality: 90)
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-benchmark-input.jpg").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-benchmark-output.png").path
        try Data(jpeg).write(to: URL(fileURLWithPath: input))
        var colorizer: Colorizer?
        let load = Timing.median(runs: runs, warmup: 0) { colorizer = try? Colorizer(modelPath: model) }
        guard let colorizer else { throw ValidationError("cannot load \(model)") }
        let total = Timing.median(runs: runs) {
            guard let image = try? ImageCodec.read(path: input) else { return }
            try? ImageCodec.write(colorizer.colorize(image), to: output)
        }
        print("model load:                     \(Timing.milliseconds(load))")
        print("colorize \(width)×\(height) (read, infer, write PNG): \(Timing.milliseconds(total))")
        print(String(format: "peak RSS:                       %8.0f MiB", Processor.peakRSSMiB))
    }
}
