import Foundation
import Tensor

/// What both trainers do before their loop: open the photo folder, create RUN/samples, and put the
/// run's convolution precision in force for everything the loop computes.
enum TrainingRun {
    /// Name prefixes of the training state a run's checkpoint (RUN/generator.safetensors) holds beside
    /// the generator: its Adam moments and, in adversarial runs, the critic and the critic's moments.
    static let optimizerPrefix = "optimizer."
    static let criticPrefix = "critic."
    static let criticOptimizerPrefix = "critic-optimizer."

    static func start<Result>(
        data: String, runDirectory: String, precision: ConvolutionPrecision,
        _ body: (_ photos: PhotoFolder, _ samplesDirectory: String) throws -> Result
    ) throws -> Result {
        let photos = try PhotoFolder(data)
        let samplesDirectory = (runDirectory as NSString).appendingPathComponent("samples")
        try FileManager.default.createDirectory(atPath: samplesDirectory, withIntermediateDirectories: true)
        return try ConvolutionPrecision.$current.withValue(precision) { try body(photos, samplesDirectory) }
    }

    /// Keeps a copy of the generator as RUN/checkpoints/NAME.safetensors (no optimizer state), so a
    /// checkpoint can be chosen afterwards on validation photos.
    static func keepCheckpoint(
        _ generator: any ColorizationNetwork, magicWeights: MagicWeights, step: Int, stage: String,
        runDirectory: String, name: String
    ) throws {
        let kept = (runDirectory as NSString).appendingPathComponent("checkpoints")
        try FileManager.default.createDirectory(atPath: kept, withIntermediateDirectories: true)
        try ModelFile.save(
            generator, magicWeights: magicWeights, step: step, stage: stage,
            to: (kept as NSString).appendingPathComponent(name + ".safetensors"))
    }
}
