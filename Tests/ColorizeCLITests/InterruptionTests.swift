import Foundation
import Imaging
import Testing

/// A batch stopped by SIGKILL or Ctrl-C leaves only complete outputs, and a rerun with
/// --skip-existing does only what is missing.
@Suite struct InterruptionTests {
    typealias CLI = ColorizeCommandTests

    /// `count` small images `in/pNN.png`, big enough that a batch of them takes a moment.
    static func inputs(_ count: Int, in root: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        return try (0..<count).map { index in
            let path = root + String(format: "/in/p%02d.png", index)
            try ImageCodec.write(CLI.oddImage(width: 160 + index, height: 120), to: path)
            return path
        }
    }

    /// The `colorize` process running with `arguments`, its output going to files (no pipe can fill up).
    static func start(_ arguments: [String], logs: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: logs + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: logs + ".err", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: logs + ".out")
        process.standardError = FileHandle(forWritingAtPath: logs + ".err")
        try process.run()
        return process
    }

    /// Names in `folder` (hidden temporaries included).
    static func names(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// Waits until `folder` holds a finished output, or `process` has ended, for at most a minute.
    static func waitForFirstOutput(in folder: String, of process: Process) {
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline {
            if names(folder).contains(where: { $0.hasSuffix("_color.png") }) { return }
            usleep(5_000)
        }
    }

    /// Every output under its final name decodes to the full image; there is nothing else but temporaries.
    static func checkOutputsAreComplete(in folder: String) throws -> [String] {
        let outputs = names(folder).filter { !$0.hasPrefix(".") }
        for name in outputs {
            #expect(name.hasSuffix("_color.png"), "unexpected file \(name)")
            let image = try ImageCodec.readPixels(path: folder + "/" + name)
            #expect(image.height == 120, "\(name)")
        }
        return outputs
    }

    /// The number before `word` in the summary line (`3 colorized`, `9 not started`).
    static func count(_ word: String, in output: String) -> Int? {
        guard let range = output.range(of: #"\d+ \#(word)"#, options: .regularExpression) else { return nil }
        return Int(output[range].split(separator: " ")[0])
    }

    @Test func killedRunIsResumedWithSkipExisting() throws {
        let root = CLI.temporaryDirectory()
        let inputs = try Self.inputs(12, in: root)
        let out = root + "/out"
        let arguments = [root + "/in", "-o", out, "--batch", "2", "--size", "128", "--model", CLI.model]
        let process = try Self.start(arguments, logs: root + "/first")
        Self.waitForFirstOutput(in: out, of: process)
        #expect(process.isRunning, "the run ended before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let finished = try Self.checkOutputsAreComplete(in: out)
        #expect(!finished.isEmpty && finished.count < inputs.count, "\(finished)")

        let report = root + "/resume.jsonl"
        let resumed = try CLI.run(arguments + ["--skip-existing", "--report", report])
        #expect(resumed.status == 0, "\(resumed.errors)")
        let colorized = inputs.count - finished.count
        #expect(
            resumed.output.contains("\(colorized) colorized, \(finished.count) skipped, 0 failed"), "\(resumed.output)")
        #expect(try Self.checkOutputsAreComplete(in: out).count == inputs.count)
        #expect(Self.names(out).allSatisfy { !$0.hasSuffix(".tmp") }, "temporaries left: \(Self.names(out))")
        // The report says which were skipped: exactly those the killed run had finished.
        var skipped: [String] = []
        for line in try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n") {
            let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if object["status"] as? String == "skipped", let output = object["output"] as? String {
                skipped.append(URL(fileURLWithPath: output).lastPathComponent)
            }
        }
        #expect(skipped.sorted() == finished)
    }

    @Test func ctrlCFinishesTheImagesInFlightAndExits130() throws {
        let root = CLI.temporaryDirectory()
        let inputs = try Self.inputs(16, in: root)
        let out = root + "/out"
        let process = try Self.start(
            [root + "/in", "-o", out, "--batch", "2", "--size", "128", "--model", CLI.model], logs: root + "/run")
        Self.waitForFirstOutput(in: out, of: process)
        #expect(process.isRunning, "the run ended before it could be interrupted")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let output = try String(contentsOfFile: root + "/run.out", encoding: .utf8)
        let errors = try String(contentsOfFile: root + "/run.err", encoding: .utf8)
        #expect(process.terminationStatus == 130, "\(errors)")
        #expect(errors.contains("stopping: finishing the images in flight"), "\(errors)")
        let colorized = try #require(Self.count("colorized", in: output), "\(output)")
        let notStarted = try #require(Self.count("not started", in: output), "\(output)")
        #expect(output.contains("\(colorized) colorized, 0 skipped, 0 failed"), "\(output)")
        #expect(notStarted > 0 && colorized + notStarted == inputs.count, "\(output)")
        // Only complete outputs, one per colorized input, and no temporary files: in-flight work was finished.
        let outputs = try Self.checkOutputsAreComplete(in: out)
        #expect(outputs.count == colorized)
        #expect(Self.names(out).count == colorized, "\(Self.names(out))")
    }
}
