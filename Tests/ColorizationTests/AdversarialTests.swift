import Foundation
import Imaging
import NeuralNetwork
import Tensor
import Testing

@testable import Colorization

@Suite struct AdversarialTests {
    /// The penalty's parameter gradient (through `createGraph`) against finite differences, for a
    /// tiny critic D(x) = mean over space of conv₂(tanh(conv₁(x) + b), stride 2). A smooth activation:
    /// with LeakyReLU the penalty jumps wherever a perturbation flips a unit's slope, which finite
    /// differences cannot follow (the LeakyReLU path is checked at fixed masks in TensorTests).
    @Test func penaltyParameterGradientMatchesFiniteDifferences() {
        var random = TensorRandom(seed: 11)
        let real = Tensor.uniform([2, 6, 6, 3], low: -1, high: 1, using: &random)
        let fake = Tensor.uniform([2, 6, 6, 3], low: -1, high: 1, using: &random)
        let epsilon = Tensor(shape: [2, 1, 1, 1], values: [0.3, 0.8])
        let w1 = Tensor.uniform([3, 3, 3, 4], low: -0.5, high: 0.5, using: &random)
        let b1 = Tensor.uniform([4], low: -0.1, high: 0.1, using: &random)
        let w2 = Tensor.uniform([3, 3, 4, 1], low: -0.5, high: 0.5, using: &random)
        func loss(_ p: [Tensor]) -> Tensor {
            let critic = { (x: Tensor) in
                Tensor.conv2d((Tensor.conv2d(x, p[0]) + p[1]).tanh(), p[2], stride: 2).mean(axes: [1, 2, 3])
            }
            return GradientPenalty.criticObjective(critic: critic, real: real, fake: fake, epsilon: epsilon, lambda: 10)
                .loss
        }
        let parameters = [w1, b1, w2]
        let tracked = parameters.map { $0.requiringGradient() }
        let analytic = gradients(of: loss(tracked), wrt: tracked)
        let h: Float = 2e-3
        for (which, parameter) in parameters.enumerated() {
            for i in stride(from: 0, to: parameter.count, by: max(1, parameter.count / 12)) {
                var plus = parameters, minus = parameters
                plus[which].withUnsafeMutableBufferPointer { $0[i] += h }
                minus[which].withUnsafeMutableBufferPointer { $0[i] -= h }
                let numeric = (Double(loss(plus).item) - Double(loss(minus).item)) / (2 * Double(h))
                let value = Double(analytic[which].scalars[i])
                #expect(
                    abs(value - numeric) < 2e-3 * max(1, abs(numeric)),
                    "parameter \(which)[\(i)]: \(value) vs \(numeric)")
            }
        }
    }

    @Test func unfreezingSchedule() {
        #expect(AdversarialTrainer.frozenLayers(initial: 14, unfreezeEvery: 20, generatorSteps: 0) == 14)
        #expect(AdversarialTrainer.frozenLayers(initial: 14, unfreezeEvery: 20, generatorSteps: 59) == 12)
        #expect(AdversarialTrainer.frozenLayers(initial: 14, unfreezeEvery: 20, generatorSteps: 10_000) == 0)
        #expect(AdversarialTrainer.frozenLayers(initial: 14, unfreezeEvery: 0, generatorSteps: 500) == 14)
    }

    /// A short real run on synthetic photos: it checkpoints and resumes, the critic learns, and the
    /// frozen generator layers stay bit-identical.
    @Test func shortRunKeepsFrozenLayersAndResumes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-gan-\(UUID().uuidString)")
            .path
        let photos = root + "/photos"
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        for k in 0..<4 {
            var samples: [Float] = []
            for y in 0..<80 {
                for x in 0..<96 { samples += [Float(x) / 95, Float((y + 20 * k) % 80) / 79, Float(k) / 3] }
            }
            try ImageCodec.write(Image(samples: samples, width: 96, height: 80, channels: 3), to: "\(photos)/p\(k).png")
        }
        let configuration = ModelConfiguration(size: 64, widthMultiplier: 0.125)
        let initial = Generator(configuration, seed: 5)
        let pretrained = root + "/pretrained.safetensors"
        try ModelFile.save(initial, magicWeights: .uniform(), step: 10, stage: "pretrain", to: pretrained)

        var options = AdversarialTrainer.Options(
            data: photos, pretrainedPath: pretrained, runDirectory: root + "/run", outerLoops: 1)
        options.batchSize = 2
        options.frozenLayers = 6
        options.unfreezeEvery = 0
        options.workers = 1
        #expect(try AdversarialTrainer(options).run() == 1)
        options.outerLoops = 2
        options.resume = true
        #expect(try AdversarialTrainer(options).run() == 2)

        let (trained, metadata) = try ModelFile.loadGenerator(from: root + "/run/generator.safetensors")
        #expect(metadata.stage == "gan")
        // One file holds the generator and all training state, and the step counts on from pre-training.
        let state = try SafeTensors.read(path: root + "/run/generator.safetensors")
        let generatorSteps = try #require(state.metadata["generator_steps"].flatMap(Int.init))
        #expect(metadata.step == 10 + generatorSteps)
        #expect(state.metadata["outer_loops"] == "2" && state.tensors.keys.contains { $0.hasPrefix("critic.") })
        #expect(!FileManager.default.fileExists(atPath: root + "/run/critic.safetensors"))
        let frozenNames = Set(initial.layers.prefix(6).map(\.name))
        for ((name, before), (_, after)) in zip(initial.namedParameters, trained.namedParameters)
        where frozenNames.contains(String(name.split(separator: ".")[0])) {
            #expect(before.value.scalars.map(\.bitPattern) == after.value.scalars.map(\.bitPattern), "\(name) changed")
        }
        let log = try String(contentsOfFile: root + "/run/log.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(log.count == 2)
        #expect(log.last?.contains("\"outer_loop\":2") == true)
        let samples = try FileManager.default.contentsOfDirectory(atPath: root + "/run/samples")
        #expect(samples.sorted() == ["outer-00001.png", "outer-00002.png"])
    }
}
