import ArgumentParser
import Colorization
import Foundation

/// Turns a training checkpoint into a model file for `colorize`, with the settings chosen on
/// validation photos (the annealed-mean temperature) written into its configuration.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint as a model file or an ONNX graph, optionally with a new default temperature.",
        discussion: """
            The output holds the generator's weights, configuration and magic weights (no optimizer state) and \
            is written atomically. Example: colorize export runs/x/checkpoints/step-004000.safetensors \
            --temperature 0.5 -o Models/default.safetensors
            With --format onnx it writes the generator as an ONNX graph instead (for a model that takes hints, \
            also the graph with the hint input as NAME-hints.onnx). Example: colorize export \
            Models/default.safetensors --format onnx -o colorize.onnx
            """)

    @Argument(help: "Model file or checkpoint (from `colorize pretrain` or `colorize gan`).")
    var model: String

    @Option(name: [.short, .customLong("output")], help: "Model file to write.")
    var output: String

    @Option(help: "Annealed-mean temperature stored as the model's default (0.01…10; lower: more vivid).")
    var temperature: Double?

    @Option(help: "What to write: safetensors (a model file for colorize) or onnx (an ONNX graph).")
    var format: ExportFormat = .safetensors

    @Option(help: "With --format onnx: what the model was trained on, stored in the graph's metadata.")
    var trainedOn: String?

    @Flag(help: "Replace the output file if it exists (never the model read).")
    var overwrite = false

    func validate() throws {
        try validateTemperatures(temperature.map { [$0] } ?? [])
    }

    func run() throws {
        try OutputFileCheck.check(output, inputs: [model], overwrite: overwrite)
        if format == .onnx {
            try ExportFormat.exportOnnx(model: model, output: output, temperature: temperature, trainedOn: trainedOn)
            return
        }
        let (generator, metadata): (any ColorizationNetwork, ModelFile.Metadata)
        do { (generator, metadata) = try ModelFile.loadGenerator(from: model) } catch {
            throw CLIError("cannot load the model: \(error)")
        }
        var configuration = metadata.configuration
        if let temperature { configuration.temperature = temperature }
        try ModelFile.save(
            generator, magicWeights: metadata.magicWeights, step: metadata.step, stage: metadata.stage,
            configuration: configuration, to: output)
        print(
            "wrote \(output) (\(configuration.architecture), size \(configuration.size), step \(metadata.step), "
                + "stage \(metadata.stage), temperature \(configuration.temperature))")
    }
}
