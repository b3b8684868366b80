import Foundation
import Testing

/// `colorize video` and `colorize evaluate-video` end to end, with the shipped model and a clip made
/// by ffmpeg's test sources. Skipped (with this message) only where ffmpeg is not installed.
@Suite(.enabled(if: ffmpegTools() != nil, "ffmpeg/ffprobe not installed: video command tests skipped"))
struct VideoCommandTests {
    /// ffmpeg and ffprobe on the PATH.
    static let ffmpeg = ffmpegTools()

    /// Runs `executable` with `arguments` (and `environment`, if given) to the end.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil
    ) throws -> (
        status: Int32, output: String, errors: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Standard error on its own thread, so neither pipe can fill and block the child.
        let errors = ThreadResult(Data())
        let reader = Thread { errors.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errors.isSet { usleep(1000) }
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self),
            String(decoding: errors.value, as: UTF8.self)
        )
    }

    /// A test clip: ffmpeg's colour bars with a 440 Hz tone (AAC), `frames` frames at 25 frames/s.
    static func makeClip(_ path: String, frames: Int = 12, size: String = "160x120") throws {
        let tools = try #require(ffmpeg)
        let seconds = String(format: "%.2f", Double(frames) / 25)
        let result = try run(
            tools.ffmpeg,
            [
                "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i",
                "testsrc=size=\(size):rate=25:duration=\(seconds)",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(seconds)",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", path,
            ])
        try #require(result.status == 0, "ffmpeg: \(result.errors)")
    }

    /// ffprobe's view of one stream kind: codec, size, rate and counted frames.
    static func probe(_ path: String, _ kind: String) throws -> [String: String] {
        let tools = try #require(ffmpeg)
        let result = try run(
            tools.ffprobe,
            [
                "-v", "error", "-select_streams", kind == "video" ? "v:0" : "a:0", "-count_frames", "-show_entries",
                "stream=codec_name,width,height,r_frame_rate,nb_read_frames,duration", "-of",
                "default=noprint_wrappers=1",
                path,
            ])
        var fields: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    @Test func aClipKeepsItsFramesSizeRateAndAudio() throws {
        let directory = ColorizeCommandTests.temporaryDirectory()
        let input = directory + "/clip.mp4", output = directory + "/out/clip-colour.mp4"
        try Self.makeClip(input)
        let result = try ColorizeCommandTests.run([
            "video", input, "-o", output, "--model", ColorizeCommandTests.model, "--preset", "veryfast",
        ])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("wrote \(output): 12 frames, 160×120"), "\(result.output)")
        let video = try Self.probe(output, "video"), audio = try Self.probe(output, "audio")
        let sourceAudio = try Self.probe(input, "audio")
        #expect(video["codec_name"] == "h264")
        #expect(video["width"] == "160" && video["height"] == "120")
        #expect(video["r_frame_rate"] == "25/1")
        #expect(video["nb_read_frames"] == "12")
        #expect(audio["codec_name"] == "aac")
        #expect(audio["nb_read_frames"] == sourceAudio["nb_read_frames"], "audio copied whole")
        // Only the output is left in its folder (no temporary file).
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/out") == ["clip-colour.mp4"])

        // Without --overwrite an existing output is refused; the metric runs on the result.
        let again = try ColorizeCommandTests.run(["video", input, "-o", output, "--model", ColorizeCommandTests.model])
        #expect(again.status == 1 && again.errors.contains("already exists"))
        let evaluated = try ColorizeCommandTests.run([
            "evaluate-video", output, "--reference", input, "--model", ColorizeCommandTests.model,
        ])
        #expect(evaluated.status == 0, "\(evaluated.errors)")
        #expect(evaluated.output.contains("12 frames") && evaluated.output.contains("reference: \(input)"))
        #expect(evaluated.output.contains("rebalanced AuC"))
    }

    /// An AVI whose capture dropped frames (every third frame of 2 s at 15 frames/s kept, the rest
    /// empty chunks) keeps its duration: the missing frames are repeated, not squeezed out.
    @Test func anAVIWithDroppedFramesKeepsItsDuration() throws {
        let tools = try #require(Self.ffmpeg)
        let directory = ColorizeCommandTests.temporaryDirectory()
        let input = directory + "/gaps.avi", output = directory + "/gaps.mp4"
        let made = try Self.run(
            tools.ffmpeg,
            [
                "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=2",
                "-vf", "select='not(mod(n,3))'", "-fps_mode", "passthrough", "-c:v", "mjpeg", input,
            ])
        try #require(made.status == 0, "ffmpeg: \(made.errors)")
        let source = try Self.probe(input, "video")
        try #require(source["nb_read_frames"] == "10", "the test clip has 10 frames: \(source)")
        let result = try ColorizeCommandTests.run([
            "video", input, "-o", output, "--model", ColorizeCommandTests.model, "--preset", "veryfast",
        ])
        #expect(result.status == 0, "\(result.errors)")
        let video = try Self.probe(output, "video")
        #expect(video["r_frame_rate"] == "15/1")
        // 1.87–2 s at 15 frames/s (ffmpeg shows the last kept frame for one or three frame times).
        let frames = try #require(Int(video["nb_read_frames"] ?? ""))
        #expect((28...30).contains(frames), "\(video)")
        let duration = try #require(Double(video["duration"] ?? ""))
        #expect(abs(duration - 1.93) < 0.1, "duration \(duration) s")
    }

    @Test func badInputsAreClearErrors() throws {
        let tools = try #require(Self.ffmpeg)
        let directory = ColorizeCommandTests.temporaryDirectory()
        try Data("just some text, not a video\n".utf8).write(to: URL(fileURLWithPath: directory + "/notes.txt"))
        let tone = try Self.run(
            tools.ffmpeg,
            [
                "-hide_banner", "-v", "error", "-f", "lavfi", "-i", "sine=duration=0.5", directory + "/tone.m4a",
            ])
        try #require(tone.status == 0)
        try Self.makeClip(directory + "/clip.mp4", frames: 3)
        let model = ["--model", ColorizeCommandTests.model]
        let cases: [(arguments: [String], environment: [String: String]?, message: String)] = [
            (["video", directory + "/notes.txt"] + model, nil, "notes.txt: not a video file"),
            (["video", directory + "/tone.m4a"] + model, nil, "tone.m4a: has no video stream"),
            (["video", directory + "/missing.mp4"] + model, nil, "missing.mp4: no such file"),
            (
                ["video", directory + "/clip.mp4", "--ffmpeg", directory + "/no/ffmpeg"] + model, nil,
                "ffmpeg not found"
            ),
            (["video", directory + "/clip.mp4"] + model, ["PATH": directory + "/empty-bin"], "ffmpeg not found"),
            (["evaluate-video", directory + "/notes.txt"] + model, nil, "notes.txt: not a video file"),
        ]
        for (arguments, environment, message) in cases {
            let result = try Self.run(ColorizeCommandTests.executable, arguments, environment: environment)
            #expect(result.status == 1, "\(arguments): \(result.status) \(result.errors)")
            #expect(result.errors.contains(message), "\(arguments): \(result.errors)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/clip_color.mp4"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/notes_color.mp4"))
        // The input is never the output, whatever the path.
        let same = try ColorizeCommandTests.run(
            ["video", directory + "/clip.mp4", "-o", directory + "/./clip.mp4", "--overwrite"] + model)
        #expect(same.status == 1 && same.errors.contains("is the input"))
    }

    @Test func usageErrorsExitWithTwo() throws {
        for arguments in [
            ["video", "x.mp4", "--stability", "1.5"], ["video", "x.mp4", "-o", "x.avi"],
            ["video", "x.mp4", "--crf", "60"], ["video", "x.mp4", "--hold", "-1"], ["video", "x.mp4", "--hold", "11"],
            ["video", "x.mp4", "--preset", "warp"], ["video"], ["evaluate-video"],
        ] {
            #expect(try ColorizeCommandTests.run(arguments).status == 2, "\(arguments)")
        }
    }

    /// Ctrl-C (SIGINT) mid-run: exit code 130, nothing under the output's name, no temporary file.
    @Test func interruptionLeavesNoOutput() throws {
        let directory = ColorizeCommandTests.temporaryDirectory()
        let input = directory + "/long.mp4", output = directory + "/out.mp4"
        try Self.makeClip(input, frames: 1500, size: "320x240")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ColorizeCommandTests.executable)
        process.arguments = ["video", input, "-o", output, "--model", ColorizeCommandTests.model]
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        // Wait until the encoder's temporary file exists (the run is under way), then interrupt.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline,
            !((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).contains(where: {
                $0.hasSuffix(".tmp")
            })
        {
            usleep(50_000)
        }
        usleep(500_000)
        kill(process.processIdentifier, SIGINT)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(errors)")
        #expect(errors.contains("not written"), "\(errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["long.mp4"])
    }
}

/// A value set once by another thread.
private final class ThreadResult<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    private var done = false
    init(_ value: Value) { stored = value }
    func set(_ value: Value) {
        lock.lock()
        (stored, done) = (value, true)
        lock.unlock()
    }
    var value: Value {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return done
    }
}

/// ffmpeg and ffprobe on the PATH (outside the suite: its trait cannot refer to the suite itself).
private func ffmpegTools() -> (ffmpeg: String, ffprobe: String)? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    func find(_ name: String) -> String? {
        path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
    guard let ffmpeg = find("ffmpeg"), let ffprobe = find("ffprobe") else { return nil }
    return (ffmpeg, ffprobe)
}
