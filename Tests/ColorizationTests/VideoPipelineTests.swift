import Foundation
import Imaging
import Testing

@testable import Colorization

/// The ffmpeg side of `colorize video`: probing, decoding and encoding through pipes, and the whole
/// pipeline with a tiny model. Skipped (with this message) only where ffmpeg is not installed.
@Suite(
    .enabled(if: (try? FFmpegTools.locate()) != nil, "ffmpeg/ffprobe not installed: video pipeline tests skipped"))
struct VideoPipelineTests {
    static let tools = try? FFmpegTools.locate()

    static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("colorize-video-\(UUID().uuidString)")
            .path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs ffmpeg with `arguments` (quiet), expecting success.
    static func ffmpeg(_ arguments: [String]) throws {
        let tools = try #require(tools)
        let result = try Subprocess.run(tools.ffmpeg, ["-hide_banner", "-v", "error", "-y"] + arguments)
        try #require(result.status == 0, "ffmpeg \(arguments): \(result.errors)")
    }

    /// A photo-like colour picture: gradients and a few blobs.
    static func photo(width: Int = 240, height: Int = 180) -> Image {
        var samples: [Float] = []
        for y in 0..<height {
            for x in 0..<width {
                let t = Float(x) / Float(width), u = Float(y) / Float(height)
                let blob: Float = hypotf(t - 0.6, u - 0.4) < 0.15 ? 0.6 : 0
                samples += [min(0.3 + 0.6 * t + blob, 1), 0.2 + 0.6 * u, 0.5 + 0.4 * sinf(9 * t * u) * 0.5]
            }
        }
        return Image(samples: samples, width: width, height: height, channels: 3)
    }

    @Test func framesRoundTripThroughTheEncoderAndDecoder() throws {
        let tools = try #require(Self.tools)
        let directory = Self.temporaryDirectory()
        let path = directory + "/clip.mkv"
        let clip = PanZoomClip(photo: Self.photo(), width: 96, height: 64, frames: 7, zoom: 1.2)
        let rate = try #require(VideoInfo.FrameRate("30000/1001"))
        let writer = try FrameWriter(
            path: path, container: .mkv, width: 96, height: 64, frameRate: rate, audioSource: nil,
            settings: FrameWriter.Settings(crf: 10, preset: "veryfast"), tools: tools)
        for index in 0..<7 { try writer.write(clip.frame(index)) }
        try writer.finish()

        let info = try VideoInfo.probe(path, tools: tools)
        #expect(info.width == 96 && info.height == 64)
        #expect(info.frameRate == rate)
        #expect(info.audioCodecs.isEmpty)
        let reader = try FrameReader(path: path, info: info, format: .rgb, tools: tools)
        var frames = 0
        while let frame = try reader.next() {
            let original = clip.frame(frames)
            let difference = zip(frame.bytes, original.bytes).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
            #expect(Double(difference) / Double(frame.bytes.count) < 6, "frame \(frames) differs by \(difference)")
            frames += 1
        }
        #expect(frames == 7)
        let grey = try FrameReader(path: path, info: info, format: .grey, tools: tools)
        #expect(try grey.next()?.channels == 1)
        grey.close()
    }

    @Test func probeRefusesWhatIsNotAVideo() throws {
        let tools = try #require(Self.tools)
        let directory = Self.temporaryDirectory()
        try Data("just some text, not a video\n".utf8).write(to: URL(fileURLWithPath: directory + "/notes.mp4"))
        try Data(String(repeating: "A README in plain text.\n", count: 40).utf8).write(
            to: URL(fileURLWithPath: directory + "/readme.txt"))
        try Self.ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=0.3", directory + "/tone.m4a"])
        func error(_ name: String) -> VideoError? {
            do {
                _ = try VideoInfo.probe(directory + "/" + name, tools: tools)
                return nil
            } catch { return error }
        }
        guard case .notAVideo(let path, _) = error("notes.mp4") else {
            Issue.record("notes.mp4: \(String(describing: error("notes.mp4")))")
            return
        }
        #expect(path.hasSuffix("notes.mp4"))
        #expect(error("readme.txt") == .notAVideo(path: directory + "/readme.txt", reason: "text, not a video"))
        #expect(error("tone.m4a") == .noVideoStream(path: directory + "/tone.m4a"))
        #expect(error("missing.mp4") == .fileNotFound(path: directory + "/missing.mp4"))
        #expect(error("tone.m4a")?.description.contains("has no video stream") == true)
    }

    @Test func missingToolsAreNamed() {
        #expect(throws: VideoError.toolNotFound(tool: "ffmpeg", searched: "PATH=/nonexistent")) {
            try FFmpegTools.locate(environment: ["PATH": "/nonexistent"])
        }
        #expect(throws: VideoError.toolNotFound(tool: "ffmpeg", searched: "/nonexistent/ffmpeg")) {
            try FFmpegTools.locate(ffmpeg: "/nonexistent/ffmpeg")
        }
    }

    /// The whole pipeline: frame count, size and rate kept, the temporary file gone, and a cancelled
    /// run leaves nothing under the output's name.
    @Test func colorizesAClipAndCancelsCleanly() throws {
        let tools = try #require(Self.tools)
        let directory = Self.temporaryDirectory()
        let input = directory + "/in.mp4", output = directory + "/out.mp4"
        try Self.ffmpeg([
            "-f", "lavfi", "-i", "testsrc=size=128x96:rate=12:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
            input,
        ])
        let info = try VideoInfo.probe(input, tools: tools)
        #expect(info.estimatedFrames == 12)
        let video = VideoColorizer(colorizer: try Colorizer(modelPath: TestModels.tiny), tools: tools)
        let summary = try video.run(
            input: input, info: info, output: output, container: .mp4,
            settings: VideoColorizer.Settings(batch: 3, encoding: FrameWriter.Settings(preset: "veryfast")))
        #expect(summary.frames == 12)
        let written = try VideoInfo.probe(output, tools: tools)
        #expect(written.width == 128 && written.height == 96 && written.frameRate.description == "12/1")
        #expect(written.estimatedFrames == 12)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["in.mp4", "out.mp4"])

        let cancelled = directory + "/cancelled.mp4"
        let stopping = VideoColorizer(colorizer: try Colorizer(modelPath: TestModels.tiny), tools: tools)
        stopping.cancel()
        #expect(throws: VideoError.cancelled) {
            try stopping.run(input: input, info: info, output: cancelled, container: .mp4, settings: .init())
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["in.mp4", "out.mp4"])
    }
}
