import Foundation
import Imaging

/// The frames of a video, decoded by an ffmpeg subprocess into a pipe as raw 8-bit grey or RGB at
/// the source size: every frame of a constant-rate clip; a variable-rate clip at the constant rate
/// of `VideoInfo.frameRate` (frames repeated or dropped as ffmpeg's `-r` does, so it keeps its
/// duration and stays in step with its audio). One frame is read at a time, with exact-size reads,
/// so a feature film never sits in memory or on disk.
public final class FrameReader: @unchecked Sendable {
    public enum PixelFormat: Sendable {
        /// Luma only (1 byte per pixel): all the colorizer needs, a third of RGB's pipe traffic.
        case grey
        case rgb

        var ffmpegName: String { self == .grey ? "gray" : "rgb24" }
        var channels: Int { self == .grey ? 1 : 3 }
    }

    public let path: String
    public let info: VideoInfo
    public let format: PixelFormat
    private let child: Subprocess
    /// Frames read so far.
    public private(set) var count = 0

    /// Starts decoding `path` (probed as `info`).
    public init(path: String, info: VideoInfo, format: PixelFormat, tools: FFmpegTools) throws(VideoError) {
        self.path = path
        self.info = info
        self.format = format
        let arguments =
            [
                "-hide_banner", "-nostdin", "-v", "error", "-i", VideoInfo.fileURL(path),
                "-map", "0:\(info.streamIndex)", "-an", "-sn", "-dn",
            ]
            // A constant-rate clip passes frame for frame (ffmpeg's constant-rate conversion may repeat a
            // frame at an edit-list boundary); a variable-rate one is made constant at `frameRate`.
            + (info.isVariableRate ? ["-r", info.frameRate.description] : ["-vsync", "passthrough"])
            + ["-f", "rawvideo", "-pix_fmt", format.ffmpegName, "pipe:1"]
        do {
            child = try Subprocess(executable: tools.ffmpeg, arguments: arguments, input: false, output: true)
        } catch {
            throw .toolNotFound(tool: "ffmpeg", searched: "\(tools.ffmpeg) (\(error.localizedDescription))")
        }
    }

    /// The next frame, or nil after the last. Throws when ffmpeg fails or stops inside a frame.
    public func next() throws(VideoError) -> PixelImage? {
        let channels = format.channels
        var bytes = [UInt8](repeating: 0, count: info.width * info.height * channels)
        let complete: Bool
        do {
            complete = try bytes.withUnsafeMutableBytes { buffer throws(Subprocess.ShortRead) in
                try child.readExactly(into: buffer)
            }
        } catch {
            let status = child.waitForExit()
            let reason = status == 0 ? "" : ": \(child.lastErrorLine)"
            throw .decodeFailed(path: path, reason: "the stream ended inside frame \(count + 1)\(reason)")
        }
        guard complete else {
            let status = child.waitForExit()
            guard status == 0 else {
                let line = child.lastErrorLine
                throw .decodeFailed(path: path, reason: line.isEmpty ? "ffmpeg exited with status \(status)" : line)
            }
            return nil
        }
        count += 1
        return PixelImage(width: info.width, height: info.height, channels: channels, bytes: bytes)
    }

    /// Stops decoding (from any thread): the reader then sees the end of the stream.
    public func cancel() {
        child.terminate()
    }

    /// Stops ffmpeg if it is still running and waits for it; no frame may be read afterwards.
    public func close() {
        child.terminate()
        child.closeOutput()
        child.waitForExit()
    }
}
