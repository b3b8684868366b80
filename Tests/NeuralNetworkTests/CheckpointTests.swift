import Foundation
import Testing
import Tensor
@testable import NeuralNetwork

@Suite struct CheckpointTests {
    final class Tiny: ParameterGroup, @unchecked Sendable {
        let dense: Dense
        let norm = BatchNorm(3)
        init(seed: UInt64) {
            var random = TensorRandom(seed: seed)
            dense = Dense(4, 3, using: &random)
        }
        var namedParameters: [(name: String, parameter: Parameter)] {
            parameters(of: dense, prefix: "dense") + parameters(of: norm, prefix: "norm")
        }
    }

    static func temporaryPath(_ name: String) -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-ckpt-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name).path
    }

    @Test func saveLoadRoundTripIsBitExact() throws {
        let path = Self.temporaryPath("model.safetensors")
        let original = Tiny(seed: 1)
        original.norm.movingMean.assign(Tensor(shape: [3], values: [0.1, .pi, -1e-30]))
        try Checkpoint.save(original, metadata: ["step": "42", "config": "{\"size\":64}"], to: path)
        let copy = Tiny(seed: 2)
        let metadata = try Checkpoint.load(copy, from: path)
        #expect(metadata == ["step": "42", "config": "{\"size\":64}"])
        for ((name, a), (_, b)) in zip(original.namedParameters, copy.namedParameters) {
            #expect(a.value.scalars.map(\.bitPattern) == b.value.scalars.map(\.bitPattern), "\(name)")
        }
    }

    @Test func headerIsAlignedAndSorted() {
        let data = SafeTensors.encode(["b": Tensor(shape: [1], values: [2]), "a": Tensor(shape: [2], values: [0, 1])])
        let length = Int(data[0]) | Int(data[1]) << 8
        #expect(length % 8 == 0)
        let header = String(decoding: data[8..<(8 + length)], as: UTF8.self)
        #expect(header.contains("\"a\":{\"data_offsets\":[0,8]"))
        #expect(header.contains("\"b\":{\"data_offsets\":[8,12]"))
    }

    @Test func truncatedAndCorruptedFilesGiveClearErrors() throws {
        let path = Self.temporaryPath("model.safetensors")
        try Checkpoint.save(Tiny(seed: 1), to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let cases: [(String, Data)] = [
            ("empty", Data()),
            ("short", bytes.prefix(5)),
            ("truncated data", bytes.prefix(bytes.count - 7)),
            ("truncated header", bytes.prefix(40)),
            ("garbage header", Data([16, 0, 0, 0, 0, 0, 0, 0]) + Data("not json at all!".utf8)),
        ]
        for (label, data) in cases {
            let broken = Self.temporaryPath("\(label).safetensors")
            try data.write(to: URL(fileURLWithPath: broken))
            #expect(throws: CheckpointError.self, "\(label)") { try Checkpoint.load(Tiny(seed: 1), from: broken) }
            do { try Checkpoint.load(Tiny(seed: 1), from: broken) } catch { #expect(error.description.hasPrefix(broken)) }
        }
        #expect(throws: CheckpointError.fileNotFound(path: "/nonexistent.safetensors")) {
            try Checkpoint.load(Tiny(seed: 1), from: "/nonexistent.safetensors")
        }
    }

    @Test func shapeMismatchIsReported() throws {
        let path = Self.temporaryPath("other.safetensors")
        try SafeTensors.write(["dense.weight": Tensor.zeros([2, 2])], to: path)
        #expect {
            try Checkpoint.load(Tiny(seed: 1), from: path)
        } throws: { error in
            guard case let .mismatch(p, reason)? = error as? CheckpointError else { return false }
            return p == path && reason.contains("dense.weight")
        }
    }

    @Test func interruptedSaveLeavesPreviousFileIntact() throws {
        struct SimulatedCrash: Error {}
        let path = Self.temporaryPath("model.safetensors")
        let first = Tiny(seed: 1)
        try Checkpoint.save(first, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let tensors = Dictionary(uniqueKeysWithValues: Tiny(seed: 9).namedParameters.map { ($0.name, $0.parameter.value) })
        #expect(throws: CheckpointError.self) {
            try SafeTensors.write(tensors, to: path, beforeRename: { throw SimulatedCrash() })
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let siblings = try FileManager.default.contentsOfDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        #expect(siblings == ["model.safetensors"])
    }

    @Test func optimizerStateRoundTrip() throws {
        let path = Self.temporaryPath("model.safetensors")
        let model = Tiny(seed: 1)
        let adam = Adam(learningRate: 0.01)
        let (_, grads) = valueAndGradients(of: model) { model.dense(Tensor.ones([2, 4])).squared().sum() }
        adam.update(model, gradients: grads)
        try Checkpoint.saveOptimizer(adam, for: model, modelPath: path)
        let restored = Adam(learningRate: 0.01)
        try Checkpoint.loadOptimizer(restored, modelPath: path)
        #expect(restored.step == 1)
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter.value.shape) })
        let a = adam.stateTensors(shapes: shapes), b = restored.stateTensors(shapes: shapes)
        #expect(a.keys.sorted() == b.keys.sorted() && !a.isEmpty)
        for key in a.keys { #expect(a[key]!.scalars == b[key]!.scalars) }
    }

    /// Interoperability with the reference implementation (Python's `safetensors`).
    @Test func pythonSafetensorsInteroperates() throws {
        guard run(["-c", "import safetensors, numpy"]) == 0 else {
            print("skipping: Python with safetensors and numpy is not installed (pip install safetensors numpy)")
            return
        }
        // Python → Swift.
        let fromPython = Self.temporaryPath("py.safetensors")
        let write = """
        import numpy as np
        from safetensors.numpy import save_file
        save_file({"w": np.arange(6, dtype=np.float32).reshape(2, 3) / 4, "b": np.array([-1.5], dtype=np.float32)}, "\(fromPython)", metadata={"k": "v"})
        """
        #expect(run(["-c", write]) == 0)
        let contents = try SafeTensors.read(path: fromPython)
        #expect(contents.tensors["w"]?.shape == [2, 3] && contents.tensors["w"]?.scalars == [0, 0.25, 0.5, 0.75, 1, 1.25])
        #expect(contents.tensors["b"]?.scalars == [-1.5] && contents.metadata == ["k": "v"])
        // Swift → Python.
        let fromSwift = Self.temporaryPath("swift.safetensors")
        try SafeTensors.write(["x": Tensor(shape: [2, 2], values: [1, 2, 3, -4])], metadata: ["step": "7"], to: fromSwift)
        let check = """
        from safetensors import safe_open
        with safe_open("\(fromSwift)", framework="numpy") as f:
            x = f.get_tensor("x")
            assert x.shape == (2, 2) and x.tolist() == [[1, 2], [3, -4]], x
            assert f.metadata() == {"step": "7"}
        """
        #expect(run(["-c", check]) == 0)
    }

    /// Runs the `python3` found on PATH.
    private func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
