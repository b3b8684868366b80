import Foundation
import Imaging
import NeuralNetwork
import Tensor
import Testing

@testable import Colorization

/// A temporary folder of small synthetic photos (plus, optionally, broken files).
func syntheticPhotoFolder(
    count: Int = 4, width: Int = 96, height: Int = 80, extras: [String: Data] = [:]
) throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-photos-\(UUID().uuidString)")
        .path
    try FileManager.default.createDirectory(atPath: root + "/nested", withIntermediateDirectories: true)
    for k in 0..<count {
        var samples: [Float] = []
        for y in 0..<height {
            for x in 0..<width {
                samples += [
                    Float(x) / Float(width), Float((y + 13 * k) % height) / Float(height), Float(k) / Float(count),
                ]
            }
        }
        try ImageCodec.write(
            Image(samples: samples, width: width, height: height, channels: 3),
            to: "\(root)/\(k % 2 == 0 ? "" : "nested/")p\(k).png")
    }
    for (name, data) in extras { try data.write(to: URL(fileURLWithPath: "\(root)/\(name)")) }
    return root
}

@Suite struct AugmenterTests {
    @Test func samplesAreSquareLabOfTheTrainingSize() {
        let augmenter = Augmenter(size: 32)
        var random = TensorRandom(seed: 1)
        let photo = Raster(
            width: 120, height: 70, channels: 3, values: (0..<(120 * 70 * 3)).map { Float($0 % 255) / 255 })
        for _ in 0..<20 {
            guard let sample = augmenter.sample(photo, using: &random) else { Issue.record("no sample"); return }
            #expect(sample.width == 32 && sample.height == 32 && sample.channels == 3)
            // Lab / 100: L in 0…1, a and b within about ±1.3.
            #expect(
                sample.values.enumerated().allSatisfy {
                    $0.offset % 3 == 0 ? (-0.001...1.001).contains($0.element) : abs($0.element) < 1.3
                })
        }
        #expect(augmenter.sample(Raster(width: 31, height: 200, channels: 3, repeating: 0.5), using: &random) == nil)
    }

    @Test func augmentationIsSeeded() {
        let augmenter = Augmenter(size: 16)
        let photo = Raster(width: 40, height: 30, channels: 3, values: (0..<3600).map { Float($0 % 97) / 97 })
        var r1 = TensorRandom(seed: 9), r2 = TensorRandom(seed: 9), r3 = TensorRandom(seed: 10)
        let a = augmenter.sample(photo, using: &r1), b = augmenter.sample(photo, using: &r2),
            c = augmenter.sample(photo, using: &r3)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func flipOnlyMirrorsAndGreyStaysGrey() {
        // A grey photo has no chroma after any augmentation.
        let augmenter = Augmenter(size: 16)
        var random = TensorRandom(seed: 3)
        let grey = Raster(width: 50, height: 40, channels: 3, values: (0..<6000).map { Float(($0 / 3) % 50) / 50 })
        let sample = augmenter.sample(grey, using: &random)
        #expect(sample?.values.enumerated().allSatisfy { $0.offset % 3 == 0 || abs($0.element) < 0.001 } == true)
    }
}

@Suite struct BatchLoaderTests {
    @Test func corruptAndTooSmallFilesAreSkippedAndReported() throws {
        let tiny = try ImageCodec.encodePNG(
            Image(samples: [Float](repeating: 0.5, count: 10 * 10 * 3), width: 10, height: 10, channels: 3))
        let root = try syntheticPhotoFolder(extras: [
            "broken.jpg": Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]), "tiny.png": Data(tiny),
        ])
        let warnings = WarningLog()
        let loader = BatchLoader(
            photos: try PhotoFolder(root), size: 32, batchSize: 8, seed: 4, workers: 1,
            warnings: { warnings.append($0) })
        defer { loader.stop() }
        for _ in 0..<4 { #expect(loader.next()?.count == 8) }
        #expect(loader.skippedCount == 2)
        #expect(warnings.messages.count == 2)
        #expect(warnings.messages.contains { $0.contains("broken.jpg") && $0.contains("corrupt") })
        #expect(warnings.messages.contains { $0.contains("tiny.png") && $0.contains("smaller than the training size") })
    }

    @Test func batchesAreReproducibleAndResumable() throws {
        let root = try syntheticPhotoFolder()
        let photos = try PhotoFolder(root)
        #expect(photos.paths.count == 4)
        let first = BatchLoader(photos: photos, size: 32, batchSize: 3, seed: 8, workers: 2)
        let batches = (0..<3).compactMap { _ in first.next() }
        first.stop()
        let resumed = BatchLoader(photos: photos, size: 32, batchSize: 3, seed: 8, startBatch: 2, workers: 1)
        defer { resumed.stop() }
        #expect(resumed.next()?.lab.scalars == batches[2].lab.scalars)
        #expect(batches[0].lab.scalars != batches[1].lab.scalars)
        #expect(batches[0].lightness.shape == [3, 32, 32, 1])
        #expect(batches[0].binsA.count == 3 * 32 * 32)
    }

    @Test func emptyFolderIsAnError() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-empty-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        #expect(throws: PhotoFolder.Failure.self) { try PhotoFolder(root) }
        #expect(throws: PhotoFolder.Failure.self) { try PhotoFolder(root + "/missing") }
    }
}

/// Collects warnings from loader threads.
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ message: String) { lock.withLock { stored.append(message) } }
    var messages: [String] { lock.withLock { stored } }
}

@Suite struct PretrainerTests {
    func options(_ data: String, _ run: String, steps: Int) -> Pretrainer.Options {
        var options = Pretrainer.Options(
            data: data, runDirectory: run, configuration: ModelConfiguration(size: 64, widthMultiplier: 0.125),
            steps: steps)
        options.batchSize = 2
        options.checkpointEvery = 2
        options.logEvery = 1
        options.workers = 1
        options.learningRate = 1e-3
        return options
    }

    /// A run that diverges stops with an error at the first non-finite loss, before
    /// writing a poisoned checkpoint; the last good one (step 2 here) stays loadable and finite.
    @Test func divergingRunStopsAtTheFirstNonFiniteLoss() throws {
        let data = try syntheticPhotoFolder()
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-nan-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let weights = MagicWeights(countsA: Array(repeating: 10, count: 16), countsB: Array(repeating: 10, count: 16))
        try weights.write(to: base + "/weights.json")
        var good = options(data, base + "/run", steps: 2)
        good.magicWeightsPath = base + "/weights.json"
        try Pretrainer(good).run()
        var diverging = good
        diverging.steps = 8
        diverging.resume = true
        diverging.learningRate = 1e38
        #expect {
            try Pretrainer(diverging).run()
        } throws: { error in
            guard case .nonFiniteLoss(_, let step, let checkpoint)? = error as? Pretrainer.Failure else { return false }
            return step > 2 && checkpoint == base + "/run/generator.safetensors"
        }
        let (_, metadata) = try ModelFile.loadGenerator(from: base + "/run/generator.safetensors")
        #expect(metadata.step == 2)
    }

    /// Stopping after 2 steps and resuming to 4 gives the same weights and optimizer state as 4
    /// uninterrupted steps.
    @Test func resumeContinuesExactly() throws {
        let data = try syntheticPhotoFolder()
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-resume-\(UUID().uuidString)")
            .path
        let weights = MagicWeights(countsA: Array(repeating: 10, count: 16), countsB: Array(repeating: 10, count: 16))
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try weights.write(to: base + "/weights.json")
        var straight = options(data, base + "/straight", steps: 4)
        straight.magicWeightsPath = base + "/weights.json"
        #expect(try Pretrainer(straight).run() == 4)
        var interrupted = options(data, base + "/resumed", steps: 2)
        interrupted.magicWeightsPath = base + "/weights.json"
        #expect(try Pretrainer(interrupted).run() == 2)
        interrupted.steps = 4
        interrupted.resume = true
        #expect(try Pretrainer(interrupted).run() == 4)

        let (a, metaA) = try ModelFile.loadGenerator(from: base + "/straight/generator.safetensors")
        let (b, metaB) = try ModelFile.loadGenerator(from: base + "/resumed/generator.safetensors")
        #expect(metaA.step == 4 && metaB.step == 4)
        for ((name, p), (_, q)) in zip(a.namedParameters, b.namedParameters) {
            let worst = zip(p.value.scalars, q.value.scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-5, "\(name) differs by \(worst)")
        }
        for run in ["straight", "resumed"] {
            let path = base + "/\(run)/generator.safetensors"
            let adam = Adam(learningRate: 1)
            try Checkpoint.restoreOptimizer(
                adam, for: a, from: try SafeTensors.read(path: path), prefix: "optimizer.", path: path)
            #expect(adam.step == 4, "\(run)")
        }
        let log = try String(contentsOfFile: base + "/resumed/log.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(log.count == 4)
        #expect(FileManager.default.fileExists(atPath: base + "/resumed/samples/step-000004.png"))
    }
}
