import Foundation

/// Where the `ffmpeg` and `ffprobe` executables are. Video goes through them as subprocesses
/// (decoding and encoding every format is their job, not ours), so a missing one must be a clear
/// error before any work starts, not a failed pipe halfway through.
public struct FFmpegTools: Sendable, Equatable {
    public let ffmpeg: String
    public let ffprobe: String

    public init(ffmpeg: String, ffprobe: String) {
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe
    }

    /// Finds the tools: `ffmpeg` given as a path (or a name looked up on the PATH), with `ffprobe`
    /// beside it or else on the PATH; without `ffmpeg`, both on the PATH of `environment`.
    public static func locate(
        ffmpeg given: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(VideoError) -> FFmpegTools {
        let path = environment["PATH"] ?? ""
        let searchPath = path.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        let ffmpeg: String
        if let given, given.contains("/") {
            guard isExecutable(given) else { throw .toolNotFound(tool: "ffmpeg", searched: given) }
            ffmpeg = given
        } else {
            let name = given ?? "ffmpeg"
            guard let found = find(name, in: searchPath) else {
                throw .toolNotFound(tool: name, searched: "PATH=\(path)")
            }
            ffmpeg = found
        }
        let beside = URL(fileURLWithPath: ffmpeg).deletingLastPathComponent().appendingPathComponent("ffprobe").path
        if isExecutable(beside) { return FFmpegTools(ffmpeg: ffmpeg, ffprobe: beside) }
        guard let ffprobe = find("ffprobe", in: searchPath) else {
            throw .toolNotFound(tool: "ffprobe", searched: "\(beside) and PATH=\(path)")
        }
        return FFmpegTools(ffmpeg: ffmpeg, ffprobe: ffprobe)
    }

    private static func find(_ name: String, in directories: [String]) -> String? {
        directories.lazy.map { ($0 as NSString).appendingPathComponent(name) }.first(where: isExecutable)
    }

    private static func isExecutable(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }
}
