import Foundation
import Tensor
import Testing

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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "colorize-ckpt-\(UUID().uuidString)")
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
            do { try Checkpoint.load(Tiny(seed: 1), from: broken) } catch {
                #expect(error.description.hasPrefix(broken))
            }
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
        let tensors = Dictionary(
            uniqueKeysWithValues: Tiny(seed: 9).namedParameters.map { ($0.name, $0.parameter.value) })
        #expect(throws: CheckpointError.self) {
            try SafeTensors.write(tensors, to: path, beforeRename: { throw SimulatedCrash() })
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let siblings = try FileManager.default.contentsOfDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        #expect(siblings == ["model.safetensors"])
    }

    /// The optimizer state travels in the model's own file (one atomic write), so a
    /// resume always pairs weights with the moments of the same step.
    @Test func optimizerStateTravelsInTheModelFile() throws {
        let path = Self.temporaryPath("model.safetensors")
        let model = Tiny(seed: 1)
        let adam = Adam(learningRate: 0.01)
        for _ in 0..<3 {
            let (_, grads) = valueAndGradients(of: model) { model.dense(Tensor.ones([2, 4])).squared().sum() }
            adam.update(model, gradients: grads)
        }
        try Checkpoint.save(model, attachment: .optimizer(adam, for: model, prefix: "optimizer."), to: path)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent) == [
                "model.safetensors"
            ])
        let contents = try SafeTensors.read(path: path)
        let copy = Tiny(seed: 2)
        try Checkpoint.load(copy, from: contents, path: path)
        let restored = Adam(learningRate: 0.01)
        try Checkpoint.restoreOptimizer(restored, for: copy, from: contents, prefix: "optimizer.", path: path)
        #expect(restored.step == 3)
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter.value.shape) })
        let a = adam.stateTensors(shapes: shapes), b = restored.stateTensors(shapes: shapes)
        #expect(a.keys.sorted() == b.keys.sorted() && a["m.dense.weight"] != nil && a["v.dense.bias"] != nil)
        for key in a.keys { #expect(a[key]!.scalars == b[key]!.scalars) }
    }

    /// A safetensors file with the given header entries (JSON) and data bytes, written at `path`.
    static func handMade(_ header: String, data: [UInt8], at path: String) throws {
        let json = Array(header.utf8)
        let length = (0..<8).map { UInt8((json.count >> (8 * $0)) & 0xFF) }
        try Data(length + json + data).write(to: URL(fileURLWithPath: path))
    }

    /// Hostile model files give errors naming the file and the problem, never a trap or
    /// a huge allocation: an overflowing shape, NaN weights, an optimizer state from another model,
    /// a negative or non-numeric optimizer step, and moments for parameters the model lacks.
    @Test func hostileCheckpointsAreRefusedWithReasons() throws {
        let overflow = Self.temporaryPath("overflow.safetensors")
        try Self.handMade(
            #"{"dense.weight":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#, data: [],
            at: overflow)
        #expect(
            throws: CheckpointError.malformed(
                path: overflow,
                reason: "tensor dense.weight has shape [4294967296, 4294967296], larger than the 0-byte data section"
            )
        ) { try SafeTensors.read(path: overflow) }

        let model = Tiny(seed: 1)
        let adam = Adam(learningRate: 0.01)
        let (_, grads) = valueAndGradients(of: model) { model.dense(Tensor.ones([2, 4])).squared().sum() }
        adam.update(model, gradients: grads)
        let good = Checkpoint.Attachment.optimizer(adam, for: model, prefix: "optimizer.")
        func reason(_ attachment: Checkpoint.Attachment, poison: Bool = false) throws -> String {
            let path = Self.temporaryPath("hostile.safetensors")
            try Checkpoint.save(model, attachment: attachment, to: path)
            var contents = try SafeTensors.read(path: path)
            if poison { contents.tensors["dense.bias"] = Tensor(shape: [3], values: [0, .nan, 0]) }
            do {
                try Checkpoint.load(Tiny(seed: 2), from: contents, path: path)
                try Checkpoint.restoreOptimizer(
                    Adam(learningRate: 1), for: Tiny(seed: 2), from: contents, prefix: "optimizer.", path: path)
                return "accepted"
            } catch {
                #expect(error.description.hasPrefix(path))
                return error.description
            }
        }
        #expect(try reason(good) == "accepted")
        #expect(try reason(good, poison: true).contains("dense.bias holds NaN or infinite values"))
        var wider = good
        wider.tensors["optimizer.m.dense.weight"] = Tensor.zeros([8, 3])
        #expect(try reason(wider).contains("optimizer.m.dense.weight has shape [8, 3], the parameter [4, 3]"))
        for step in ["-1", "abc", "9223372036854775808"] {
            var bad = good
            bad.metadata["optimizer.step"] = step
            #expect(try reason(bad).contains("optimizer step \"\(step)\" is not a whole number ≥ 0"))
        }
        var foreign = good
        foreign.tensors["optimizer.m.decoder.weight"] = Tensor.zeros([3])
        #expect(try reason(foreign).contains("optimizer.m.decoder.weight belongs to no parameter"))
        var missing = good
        missing.metadata = [:]
        #expect(try reason(missing).contains("no optimizer state"))
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
        #expect(
            contents.tensors["w"]?.shape == [2, 3] && contents.tensors["w"]?.scalars == [0, 0.25, 0.5, 0.75, 1, 1.25])
        #expect(contents.tensors["b"]?.scalars == [-1.5] && contents.metadata == ["k": "v"])
        // Swift → Python.
        let fromSwift = Self.temporaryPath("swift.safetensors")
        try SafeTensors.write(
            ["x": Tensor(shape: [2, 2], values: [1, 2, 3, -4])], metadata: ["step": "7"], to: fromSwift)
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
