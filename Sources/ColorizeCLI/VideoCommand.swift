import ArgumentParser
import Colorization
import Foundation
import Imaging

/// `colorize video`: a grey (or colour) film in colour, through ffmpeg, with the colours made
/// stable in time by a motion-compensated filter on the network's output.
struct VideoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video",
        abstract: "Colorize a video (any format ffmpeg reads) into an H.264 MP4, MOV or MKV, without flicker.",
        discussion: """
            Frames are decoded by ffmpeg into a pipe (grey), colorized at the network's working size, made \
            consistent in time and recombined with each frame's own full-resolution lightness, then piped into \
            a second ffmpeg that encodes H.264 (--crf, --preset) at the source's frame rate and copies its audio \
            (re-encoded to AAC when the container cannot hold the codec). Temporal stability: along the motion \
            between frames (optical flow on their lightness: the camera's motion, plus local flow where things \
            move on their own), each pixel's a/b is the running mean of the network's predictions over up to \
            s/(1 − s) frames for --stability s (0.995: 199 frames; 0: each frame alone; 1: no limit), restarted \
            where the motion does not explain the frame (--motion-tolerance) and at scene cuts (--scene-cut: \
            L-histogram distance); the colour shown follows that mean only as far as needed to stay within \
            --hold Lab units of it, so small wavering does not reach the encoder. The output is written under a \
            temporary name and renamed at the end: Ctrl-C (exit code 130) or an error leaves no file under the \
            output's name. Needs ffmpeg and ffprobe (Debian: apt-get install ffmpeg).
            """)

    @Argument(help: "The video to colorize.")
    var input: String

    @Option(
        name: [.short, .customLong("output")],
        help: "Output file: .mp4 (default), .m4v, .mov or .mkv (default: INPUT_color.mp4 beside the input).")
    var output: String?

    @Option(help: "Temporal stability 0…1: colour is averaged along the motion over s/(1 − s) frames (0: none).")
    var stability = TemporalFilter.Settings.defaultStability

    @Option(help: "Scene-cut threshold 0…1: L-histogram change between frames that restarts the filter.")
    var sceneCut = TemporalFilter.Settings.defaultSceneCut

    @Option(
        help: """
            Motion tolerance in L units: the lightness mismatch after motion compensation (above the frame's \
            median) at which a pixel keeps e⁻¹ of its past's weight.
            """)
    var motionTolerance = TemporalFilter.Settings.defaultMotionTolerance

    @Option(
        help: """
            Colour hold 0…10 in Lab units: the shown a/b of a tracked surface moves only as far as it must to \
            stay within this distance of its running mean (0: shows the mean itself).
            """)
    var hold = TemporalFilter.Settings.defaultHold

    @Option(help: "H.264 quality (x264 CRF 0…51, lower is better and larger).")
    var crf = 20

    @Option(help: "x264 preset, ultrafast … veryslow (slower: smaller files at equal quality).")
    var preset = "medium"

    @Option(help: "Model file (safetensors). Default: the shipped Models/default.safetensors.")
    var model: String?

    @Option(help: "Colour temperature: lower is more vivid, higher is safer (default: the model's).")
    var temperature: Double?

    @Option(help: "Network working size in pixels (default: the model's training size).")
    var size: Int?

    @Option(help: "Frames run through the network together, 1 to 64.")
    var batch = 4

    @Option(help: "Also write every colorized frame as a PNG into this folder (large; for inspection).")
    var keepFrames: String?

    @Option(help: "The ffmpeg executable (ffprobe is looked for beside it); default: ffmpeg on the PATH.")
    var ffmpeg: String?

    @Flag(help: "Replace the output file if it exists (never the input).")
    var overwrite = false

    @Option(
        name: .customLong("keyframe"),
        help: ArgumentHelp(
            "A colour image for frame N (0-based): the frames around it follow its colours. Repeatable.",
            discussion: """
                e.g. one frame coloured by hand or with hints, --keyframe 0:first.png --keyframe 480:scene2.png. \
                Each frame follows the nearest keyframe before it and the nearest after it (and any --reference); \
                the temporal filter carries colours along the motion as without keyframes.
                """, valueName: "N:FILE"))
    var keyframe: [String] = []

    @OptionGroup(title: "Colour reference") var references: ReferenceOptions

    @OptionGroup(title: "Colour decoding") var chroma: DecodingOptions

    func validate() throws {
        _ = try KeyframeArgument.parse(keyframe)
        try validateTemperatures(temperature.map { [$0] } ?? [])
        guard (0...1).contains(stability) else {
            throw ValidationError("--stability must be from 0 to 1 (got \(stability))")
        }
        guard (0...1).contains(sceneCut) else {
            throw ValidationError("--scene-cut must be from 0 to 1 (got \(sceneCut))")
        }
        guard motionTolerance > 0 && motionTolerance <= 100 else {
            throw ValidationError("--motion-tolerance must be above 0 and at most 100 (got \(motionTolerance))")
        }
        guard (0...10).contains(hold) else { throw ValidationError("--hold must be from 0 to 10 (got \(hold))") }
        guard (0...51).contains(crf) else { throw ValidationError("--crf must be from 0 to 51 (got \(crf))") }
        guard FrameWriter.Settings.presets.contains(preset) else {
            throw ValidationError("--preset must be one of \(FrameWriter.Settings.presets.joined(separator: ", "))")
        }
        guard (1...64).contains(batch) else { throw ValidationError("--batch must be between 1 and 64 (got \(batch))") }
        if let size, !(64...1024).contains(size) {
            throw ValidationError("--size must be between 64 and 1024 (got \(size))")
        }
        if let output, VideoContainer(pathExtension: URL(fileURLWithPath: output).pathExtension) == nil {
            throw ValidationError("--output must end in .mp4, .m4v, .mov or .mkv (got \(output))")
        }
    }

    /// `INPUT_color.mp4` beside the input unless `-o` names the file.
    var outputPath: String {
        if let output { return output }
        let url = URL(fileURLWithPath: input)
        return url.deletingPathExtension().path + "_color.mp4"
    }

    func run() throws {
        let tools = try FFmpegTools.locate(ffmpeg: ffmpeg)
        let info = try VideoInfo.probe(input, tools: tools)
        let output = outputPath
        let container = VideoContainer(pathExtension: URL(fileURLWithPath: output).pathExtension) ?? .mp4
        try checkOutput(output)
        let colorizer = try DefaultModel.colorizer(
            model, decoding: chroma.decoding, matching: references.matching.settings)
        let keyframes = try self.keyframes(colorizer, info: info)
        let references = try self.references.load(for: colorizer, networkSize: size)
        let video = VideoColorizer(colorizer: colorizer, tools: tools)
        let stop = StopSignal {
            let newline = isatty(STDOUT_FILENO) != 0 ? "\n" : ""
            FileHandle.standardError.write(Data((newline + "stopping: \(output) will not be written\n").utf8))
            video.cancel()
        }
        let frames = info.estimatedFrames.map { "~\($0) frames" } ?? "unknown length"
        TerminalText.print(
            "\(input): \(info.width)×\(info.height), \(String(format: "%.3g", info.frameRate.value)) frames/s, "
                + "\(frames)\(info.audioCodecs.isEmpty ? "" : ", audio \(info.audioCodecs.joined(separator: ", "))")")
        let display = VideoProgressDisplay()
        let settings = VideoColorizer.Settings(
            temperature: temperature, networkSize: size, batch: batch,
            filter: TemporalFilter.Settings(
                stability: stability, sceneCutThreshold: sceneCut, motionTolerance: motionTolerance,
                hold: hold),
            encoding: FrameWriter.Settings(crf: crf, preset: preset), keepFrames: keepFrames, references: references,
            keyframes: keyframes)
        let result = withExtendedLifetime(stop) {
            Result { () throws(VideoError) in
                try video.run(
                    input: input, info: info, output: output, container: container, settings: settings,
                    progress: display.show)
            }
        }
        display.finish()
        let summary: VideoColorizer.Summary
        switch result {
        case .success(let value): summary = value
        case .failure(.cancelled):
            FileHandle.standardError.write(Data("stopped: \(output) not written\n".utf8))
            throw ExitCode(130)
        case .failure(let error): throw error
        }
        TerminalText.print(
            "wrote \(output): \(summary.frames) frames, \(summary.width)×\(summary.height) (network "
                + "\(summary.networkWidth)×\(summary.networkHeight), stability \(stability), "
                + (stability > 0 ? "hold \(hold), " : "")
                + "\(summary.sceneCuts) filter restarts, "
                + String(format: "%.0f %% followed along the motion), ", 100 * summary.meanMatch)
                + String(format: "%.1f s, %.2f frames/s", summary.seconds, summary.framesPerSecond))
    }

    /// The --keyframe images as references; a frame past the video's end (when its length is
    /// known) or an image that cannot serve is a usage error naming it.
    func keyframes(_ colorizer: Colorizer, info: VideoInfo) throws -> [VideoColorizer.Settings.Keyframe] {
        let parsed = try KeyframeArgument.parse(keyframe)
        if let frames = info.estimatedFrames, let late = parsed.first(where: { $0.frame >= frames }) {
            throw ValidationError(
                "--keyframe \(late.frame):\(late.path): the video has about \(frames) frames (0…\(frames - 1))")
        }
        let references = try ReferenceOptions.load(parsed.map(\.path), for: colorizer, networkSize: size)
        return zip(parsed, references).map { VideoColorizer.Settings.Keyframe(frame: $0.frame, reference: $1) }
    }

    /// The output may not be the input (whatever path reaches it), nor replace a file without
    /// --overwrite; its folder is made if missing, and cleared of temporaries a killed run left.
    func checkOutput(_ output: String) throws {
        try OutputFileCheck.check(output, inputs: [input], overwrite: overwrite)
        let folder = (output as NSString).deletingLastPathComponent
        let directory = folder.isEmpty ? "." : folder
        try AtomicFile.makeFolder(directory)
        AtomicFile.removeStaleTemporaries(in: directory)
    }
}
