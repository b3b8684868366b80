import ArgumentParser

/// Release-build benchmarks of the engine, imaging and training steps.
@main
struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "colorize-benchmark",
        abstract: "Measure Colorize's speed (build with -c release).",
        subcommands: [
            EngineBenchmark.self, ClassifyBenchmark.self, EncoderBenchmark.self, GeneratorBenchmark.self,
            ImagingBenchmark.self, TrainBenchmark.self, ColorizeBenchmark.self, ColorizeCase.self, FolderBenchmark.self,
            PanZoomBenchmark.self, OnnxBenchmark.self,
        ])
}
