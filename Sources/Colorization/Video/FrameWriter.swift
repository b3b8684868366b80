import Foundation
import Imaging

/// Colour frames into a video file: an ffmpeg subprocess reads raw RGB from a pipe and encodes
/// H.264 (libx264) at the source's frame rate, taking the audio straight from the source file
/// (copied when the container can hold its codec, else re-encoded to AAC).
///
/// Frames are converted to Rec. 709 YUV and tagged so (an untagged HD file is shown with the wrong
/// matrix by many players), in 4:2:0 — or 4:4:4 when a side is odd, which 4:2:0 cannot store
/// without changing the size.
public final class FrameWriter: @unchecked Sendable {
    public struct Settings: Sendable, Equatable {
        /// x264 constant rate factor, 0…51: lower is better and larger; 20 looks near-lossless on most footage.
        public var crf: Int
        /// x264 speed preset: ultrafast … veryslow.
        public var preset: String

        public static let presets = [
            "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
        ]

        public init(crf: Int = 20, preset: String = "medium") {
            self.crf = crf
            self.preset = preset
        }
    }

    public let path: String
    public let width: Int
    public let height: Int
    private let child: Subprocess
    /// Frames written so far.
    public private(set) var count = 0

    /// Starts the encoder writing `path` (a temporary name: the caller renames it) as `container`.
    /// - Parameter audioSource: the file whose audio streams (`info.audioCodecs`) are taken, if any.
    public init(
        path: String, container: VideoContainer, width: Int, height: Int, frameRate: VideoInfo.FrameRate,
        audioSource: (path: String, codecs: [String])?, sampleAspectRatio: String? = nil, settings: Settings,
        tools: FFmpegTools
    ) throws(VideoError) {
        self.path = path
        self.width = width
        self.height = height
        Subprocess.ignoreBrokenPipes()
        var arguments = [
            "-hide_banner", "-nostdin", "-v", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "\(width)x\(height)", "-framerate", frameRate.description,
            "-i", "pipe:0",
        ]
        let audio = audioSource.flatMap { $0.codecs.isEmpty ? nil : $0 }
        if let audio { arguments += ["-i", VideoInfo.fileURL(audio.path)] }
        arguments += ["-map", "0:v:0"]
        if audio != nil { arguments += ["-map", "1:a"] }
        let chroma = width % 2 == 0 && height % 2 == 0 ? "yuv420p" : "yuv444p"
        var filters = "scale=out_color_matrix=bt709:out_range=tv,format=\(chroma)"
        if let sampleAspectRatio { filters += ",setsar=\(sampleAspectRatio.replacingOccurrences(of: ":", with: "/"))" }
        arguments += [
            "-c:v", "libx264", "-preset", settings.preset, "-crf", "\(settings.crf)", "-vf", filters,
            "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
        ]
        if let audio {
            arguments +=
                audio.codecs.allSatisfy(container.canCopyAudio) ? ["-c:a", "copy"] : ["-c:a", "aac", "-b:a", "192k"]
        }
        if container != .mkv { arguments += ["-movflags", "+faststart"] }
        arguments += ["-f", container.muxer, VideoInfo.fileURL(path)]
        do {
            child = try Subprocess(executable: tools.ffmpeg, arguments: arguments, input: true, output: false)
        } catch {
            throw .toolNotFound(tool: "ffmpeg", searched: "\(tools.ffmpeg) (\(error.localizedDescription))")
        }
    }

    /// Sends one frame (RGB, 3 channels, the writer's size). Throws when the encoder has failed.
    public func write(_ frame: PixelImage) throws(VideoError) {
        precondition(
            frame.width == width && frame.height == height && frame.channels == 3,
            "frame \(frame.width)×\(frame.height)×\(frame.channels) for a \(width)×\(height) RGB video")
        if let error = frame.bytes.withUnsafeBytes({ child.write($0) }) {
            child.terminate()
            throw failure(fallback: "the encoder stopped taking frames (\(ImageError.reason(errno: error)))")
        }
        count += 1
    }

    /// Ends the input and waits for the encoder to finish the file; throws if it failed.
    public func finish() throws(VideoError) {
        child.closeInput()
        if child.waitForExit() != 0 { throw failure(fallback: "the encoder failed") }
    }

    /// Stops the encoder (from any thread); the partial file is the caller's to remove.
    public func cancel() {
        child.terminate()  // the writing thread then sees EPIPE; its pipe is closed by that thread only
    }

    private func failure(fallback: String) -> VideoError {
        let status = child.waitForExit()
        let line = child.lastErrorLine
        return .encodeFailed(path: path, reason: line.isEmpty ? "\(fallback) (ffmpeg status \(status))" : line)
    }
}
