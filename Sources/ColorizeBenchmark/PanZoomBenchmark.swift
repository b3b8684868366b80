import ArgumentParser
import Colorization
import Foundation
import Imaging

/// `colorize-benchmark pan-zoom`: writes the synthetic test clips of `colorize video` — a slow pan
/// and zoom over a colour photo (the ground truth) and the same clip turned grey (the input) — at
/// any size, for measuring flicker and accuracy (`colorize evaluate-video`) and frames/s.
struct PanZoomBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pan-zoom",
        abstract: "Write a synthetic pan-and-zoom clip over a colour photo, in colour and in grey (H.264).")

    @Argument(help: "The colour photo (PNG or JPEG; a large one, e.g. 3840×2160).")
    var photo: String

    @Option(name: [.short, .customLong("output")], help: "The colour clip (.mp4, .mov or .mkv).")
    var output: String

    @Option(help: "The grey clip (each pixel's CIELAB L as a grey level), if wanted.")
    var grey: String?

    @Option(help: "Frame size, WIDTHxHEIGHT.")
    var size = "640x360"

    @Option(help: "Number of frames.")
    var frames = 150

    @Option(help: "Frame rate (frames per second).")
    var fps = 25

    @Option(help: "Magnification at the end relative to the start (1: pan only).")
    var zoom = 1.25

    @Option(help: "x264 CRF of both clips.")
    var crf = 18

    @Option(help: "The ffmpeg executable (default: ffmpeg on the PATH).")
    var ffmpeg: String?

    func run() throws {
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0, frames > 0, fps > 0, zoom >= 1 else {
            throw ValidationError("--size WIDTHxHEIGHT, --frames, --fps positive, --zoom ≥ 1")
        }
        guard let rate = VideoInfo.FrameRate("\(fps)") else { throw ValidationError("bad --fps \(fps)") }
        let tools = try FFmpegTools.locate(ffmpeg: ffmpeg)
        let clip = PanZoomClip(
            photo: try ImageCodec.read(path: photo), width: parts[0], height: parts[1],
            frames: frames, zoom: zoom)
        func writer(_ path: String) throws -> FrameWriter {
            guard let container = VideoContainer(pathExtension: URL(fileURLWithPath: path).pathExtension) else {
                throw ValidationError("\(path): use .mp4, .mov or .mkv")
            }
            return try FrameWriter(
                path: path, container: container, width: parts[0], height: parts[1], frameRate: rate,
                audioSource: nil, settings: FrameWriter.Settings(crf: crf, preset: "medium"), tools: tools)
        }
        let colourWriter = try writer(output)
        let greyWriter = try grey.map(writer)
        let started = Date()
        for index in 0..<frames {
            let frame = clip.frame(index)
            try colourWriter.write(frame)
            try greyWriter?.write(PanZoomClip.grey(frame))
        }
        try colourWriter.finish()
        try greyWriter?.finish()
        print(
            "wrote \(output)\(grey.map { " and \($0)" } ?? ""): \(frames) frames \(size) at \(fps) frames/s, zoom "
                + String(format: "%.2f, %.1f s", zoom, Date().timeIntervalSince(started)))
    }
}
