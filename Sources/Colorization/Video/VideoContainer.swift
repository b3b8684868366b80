/// The output file types `colorize video` writes (H.264 in each), chosen by the output's extension,
/// and which source audio each can take as it is (otherwise the audio is re-encoded to AAC).
public enum VideoContainer: String, Sendable, CaseIterable {
    case mp4, mov, mkv

    /// By extension: .mp4 and .m4v are MP4, .mov QuickTime, .mkv Matroska; others nil.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "mp4", "m4v": self = .mp4
        case "mov": self = .mov
        case "mkv": self = .mkv
        default: return nil
        }
    }

    /// ffmpeg's muxer name (given explicitly, since the temporary file's name does not end in it).
    var muxer: String {
        switch self {
        case .mp4: "mp4"
        case .mov: "mov"
        case .mkv: "matroska"
        }
    }

    /// Whether an audio stream in `codec` (ffprobe's name) can be copied into this container as it is.
    func canCopyAudio(_ codec: String) -> Bool {
        switch self {
        case .mkv: return true
        case .mp4: return ["aac", "mp3", "ac3", "eac3", "alac", "opus", "mp2"].contains(codec)
        case .mov: return ["aac", "mp3", "ac3", "eac3", "alac", "mp2"].contains(codec) || codec.hasPrefix("pcm_")
        }
    }
}
