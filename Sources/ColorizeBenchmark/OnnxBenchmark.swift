import ArgumentParser
import Colorization
import Foundation
import NeuralNetwork
import Tensor

/// `colorize-benchmark onnx`: the engine beside onnxruntime on the same model and machine, in one
/// run: the network alone (L in, annealed-mean a/b out) at one size, and a 12-MP grey JPEG end to
/// end — `colorize` against `docs/examples/onnx/colorize_onnx.py` on the exported graph, each a
/// process of its own (start, model load, read, colorize, write).
struct OnnxBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onnx",
        abstract:
            "Time the engine beside onnxruntime (Python) on the exported model: network alone and 12-MP end to end.")

    @Option(help: "Model file.")
    var model = "Models/default.safetensors"

    @Option(help: "The onnxruntime example script.")
    var example = "docs/examples/onnx/colorize_onnx.py"

    @Option(help: "Network input side for the network-only timing (a multiple of 32).")
    var size = 256

    @Option(help: "Batch size for the network-only timing.")
    var batch = 1

    @Option(help: "Timed runs of the network (the median is reported).")
    var networkRuns = 20

    @Option(help: "End-to-end photo width (0 skips the end-to-end timing).")
    var width = 4000

    @Option(help: "End-to-end photo height.")
    var height = 3000

    @Option(help: "Timed end-to-end runs per program (the median is reported).")
    var runs = 3

    func validate() throws {
        guard size > 0, size % 32 == 0, batch > 0, networkRuns > 0, runs > 0 else {
            throw ValidationError("--size must be a positive multiple of 32; --batch and the run counts positive")
        }
    }

    func run() throws {
        print(Processor.peak().description)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "colorize-onnx-benchmark-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let graph = folder.appendingPathComponent("model.onnx").path
        try OnnxExport.export(modelAt: model, to: graph)
        let (generator, _) = try ModelFile.loadGenerator(from: model)

        var random = TensorRandom(seed: 3)
        let lightness = Tensor.uniform([batch, size, size, 1], low: 0, high: 1, using: &random)
        let ours = Timing.median(runs: networkRuns) { _ = Colorizer.predictAB(generator, lightness) }
        let timing = try ChildProcess.run(
            "/usr/bin/env", ["python3", "-c", Self.onnxRuntimeTiming, graph, "\(batch)", "\(size)", "\(networkRuns)"])
        let fields = timing.output.split(separator: " ")
        guard fields.count == 2, let theirs = Double(fields[0]) else {
            throw ValidationError("onnxruntime timing printed \"\(timing.output)\"")
        }
        print("network alone, \(size)×\(size) batch \(batch), median of \(networkRuns) (L in, annealed-mean a/b out):")
        print("  engine (fp32)              \(Timing.milliseconds(ours))")
        print(
            "  onnxruntime \(fields[1].trimmingCharacters(in: .whitespacesAndNewlines)) (CPU EP)  \(Timing.milliseconds(theirs))"
        )

        guard width > 0 else { return }
        let photo = folder.appendingPathComponent("photo.jpg").path
        _ = try ColorizeBenchmark.writeGreyPhoto(width: width, height: height, to: photo)
        func median(_ executable: String, _ arguments: [String]) throws -> Double {
            var samples: [Double] = []
            for _ in 0..<runs { samples.append(try ChildProcess.run(executable, arguments).seconds) }
            return samples.sorted()[samples.count / 2]
        }
        let colorize = try median(
            ChildProcess.colorize,
            [photo, "-o", folder.appendingPathComponent("ours.jpg").path, "--model", model, "--overwrite"])
        let python = try median(
            "/usr/bin/env", ["python3", example, graph, photo, folder.appendingPathComponent("onnx.jpg").path])
        print("\(width)×\(height) grey JPEG → colour JPEG, end to end, median of \(runs) processes:")
        print(String(format: "  colorize                    %8.2f s", colorize))
        print(String(format: "  colorize_onnx.py            %8.2f s", python))
    }

    /// Prints the median seconds of `session.run` on a [N, 1, S, S] input and onnxruntime's version.
    static let onnxRuntimeTiming = """
        import sys, time
        import numpy as np, onnxruntime as ort
        path, batch, size, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        feed = {"L": (np.random.default_rng(3).random((batch, 1, size, size)) * 100).astype(np.float32)}
        session.run(["ab"], feed)
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            session.run(["ab"], feed)
            samples.append(time.perf_counter() - start)
        print(sorted(samples)[len(samples) // 2], ort.__version__)
        """
}
