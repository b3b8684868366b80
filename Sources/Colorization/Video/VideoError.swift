/// Why a video could not be read, colorized or written. Every case names the file (or the tool) and
/// the problem in words a user can act on; the CLI prints `description` and exits with 1.
public enum VideoError: Error, CustomStringConvertible, Equatable {
    /// ffmpeg or ffprobe is not installed where we looked (`searched`: the PATH or the given path).
    case toolNotFound(tool: String, searched: String)
    case fileNotFound(path: String)
    /// ffprobe could not read the file as a media file (`reason`: its first error line).
    case notAVideo(path: String, reason: String)
    /// A media file (audio only, subtitles, a still image sequence ffprobe cannot time) with no video.
    case noVideoStream(path: String)
    /// A video stream without a usable size or frame rate.
    case unsupported(path: String, reason: String)
    /// Decoding stopped with an error or a truncated frame.
    case decodeFailed(path: String, reason: String)
    /// The encoder failed, or the output could not be written or moved into place.
    case encodeFailed(path: String, reason: String)
    /// Stopped on request (Ctrl-C or SIGTERM); nothing was left under the output's name.
    case cancelled

    public var description: String {
        switch self {
        case let .toolNotFound(tool, searched):
            "\(tool) not found (looked in \(searched)); install it (Debian: apt-get install ffmpeg) "
                + "or pass --ffmpeg PATH"
        case let .fileNotFound(path): "\(path): no such file"
        case let .notAVideo(path, reason): "\(path): not a video file (\(reason))"
        case let .noVideoStream(path): "\(path): has no video stream"
        case let .unsupported(path, reason): "\(path): unsupported video: \(reason)"
        case let .decodeFailed(path, reason): "\(path): cannot decode: \(reason)"
        case let .encodeFailed(path, reason): "\(path): cannot write: \(reason)"
        case .cancelled: "stopped before the end"
        }
    }
}
