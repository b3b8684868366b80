import Foundation
import Testing

/// Runs exported ONNX files in Python's onnxruntime for the tests: the set-up script installs
/// `onnx` and `onnxruntime` from PyPI; where they are missing the tests that need them are
/// skipped with a note, except under `COLORIZE_REQUIRE_DATA=1` (CI), where that is a failure.
enum OnnxRuntimeCheck {
    /// One comparison: a graph run on float32 inputs (NCHW, raw little-endian files) against the
    /// engine's outputs (same layout).
    struct Case: Encodable {
        var label: String
        var graph: String
        var inputs: [String: Tensor4]
        var expected: [String: Tensor4]
    }

    /// A float32 array in a raw file, with its shape.
    struct Tensor4: Encodable {
        var file: String
        var shape: [Int]
    }

    /// What Python reports: the largest |onnxruntime − engine| per output of each case.
    struct Result: Decodable {
        var label: String
        var maxDifference: [String: Double]
    }

    /// What Python reports of the graphs and the runs.
    struct Report: Decodable {
        /// Per graph: its `metadata_props` as onnx reads them.
        var metadata: [String: [String: String]]
        /// Per graph: its input names, in order.
        var inputs: [String: [String]]
        var results: [Result]
    }

    /// Whether Python with onnx, onnxruntime and numpy is there; records an issue when it is not
    /// and `COLORIZE_REQUIRE_DATA=1` asks for it.
    static func isAvailable() -> Bool {
        if run(["-c", "import onnx, onnxruntime, numpy"]).status == 0 { return true }
        if ProcessInfo.processInfo.environment["COLORIZE_REQUIRE_DATA"] == "1" {
            Issue.record(
                "COLORIZE_REQUIRE_DATA=1 requires Python with onnx and onnxruntime (bash scripts/install-system-packages.sh)"
            )
        } else {
            print("skipping: Python with onnx, onnxruntime and numpy is not installed (pip install onnx onnxruntime)")
        }
        return false
    }

    /// `onnx.checker.check_model(full_check=True)` on each graph, then every case run in
    /// onnxruntime (CPU) and compared; a checker failure throws with Python's message.
    static func compare(graphs: [String], cases: [Case], in directory: String) throws -> Report {
        let manifest = directory + "/cases.json"
        let encoder = JSONEncoder()
        try encoder.encode(["graphs": graphs]).write(to: URL(fileURLWithPath: directory + "/graphs.json"))
        try encoder.encode(cases).write(to: URL(fileURLWithPath: manifest))
        let result = run(["-c", script, directory + "/graphs.json", manifest])
        guard result.status == 0 else { throw CheckFailure(message: result.errors + result.output) }
        return try JSONDecoder().decode(Report.self, from: Data(result.output.utf8))
    }

    struct CheckFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { "onnx/onnxruntime check failed: \(message)" }
    }

    static let script = """
        import json, sys
        import numpy as np
        import onnx, onnxruntime as ort
        graphs = json.load(open(sys.argv[1]))["graphs"]
        metadata, inputs = {}, {}
        for path in graphs:
            model = onnx.load(path)
            onnx.checker.check_model(model, full_check=True)
            metadata[path] = {p.key: p.value for p in model.metadata_props}
            inputs[path] = [i.name for i in model.graph.input]
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        sessions = {}
        def load(t):
            return np.fromfile(t["file"], dtype="<f4").reshape(t["shape"])
        results = []
        for case in json.load(open(sys.argv[2])):
            graph = case["graph"]
            if graph not in sessions:
                sessions[graph] = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
            session = sessions[graph]
            feeds = {name: load(t) for name, t in case["inputs"].items()}
            names = list(case["expected"].keys())
            outputs = session.run(names, feeds)
            differences = {}
            for name, got in zip(names, outputs):
                want = load(case["expected"][name])
                assert got.shape == want.shape, (name, got.shape, want.shape)
                differences[name] = float(np.max(np.abs(got.astype(np.float64) - want)))
            results.append({"label": case["label"], "maxDifference": differences})
        print(json.dumps({"metadata": metadata, "inputs": inputs, "results": results}))
        """

    /// Runs the `python3` found on PATH; its standard error goes through a file, so a chatty
    /// stderr cannot fill a pipe while stdout is being read.
    static func run(_ arguments: [String]) -> (status: Int32, output: String, errors: String) {
        let errorsPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "colorize-onnx-stderr-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: errorsPath) }
        guard FileManager.default.createFile(atPath: errorsPath, contents: nil),
            let errorsFile = FileHandle(forWritingAtPath: errorsPath)
        else { return (-1, "", "cannot create \(errorsPath)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errorsFile
        guard (try? process.run()) != nil else { return (-1, "", "python3 could not be started") }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errorsFile.close()
        let errors = FileManager.default.contents(atPath: errorsPath) ?? Data()
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self)
        )
    }
}
