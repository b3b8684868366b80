import Foundation

/// What ffprobe says about a video file: the first real video stream's size as decoded (turned by
/// its rotation metadata, as ffmpeg turns the frames), its frame rate, an estimate of its frame
/// count (for the ETA only; the decoder's end is the truth) and its audio streams' codecs.
public struct VideoInfo: Sendable, Equatable {
    /// Absolute index of the video stream in the file (cover art in audio files is skipped).
    public var streamIndex: Int
    public var width: Int
    public var height: Int
    public var frameRate: FrameRate
    /// Whether frames come at an irregular rate (the stream's and the average rate disagree, or the
    /// stream holds far fewer frames than its duration at that rate: an AVI whose capture dropped
    /// frames): such a clip is decoded at a constant rate (frames repeated or dropped), so its
    /// duration and audio sync are kept; others frame for frame.
    public var isVariableRate: Bool
    /// From the container's count or duration × rate; nil when neither is known.
    public var estimatedFrames: Int?
    public var audioCodecs: [String]
    /// Pixel aspect ratio, e.g. "16:11" for anamorphic DVD footage; nil when square.
    public var sampleAspectRatio: String?

    /// A frame rate as a fraction, as ffmpeg takes it (`30000/1001`), never rounded.
    public struct FrameRate: Sendable, Equatable, CustomStringConvertible {
        public var numerator: Int
        public var denominator: Int

        public init?(_ text: String) {
            let parts = text.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2 || parts.count == 1 else { return nil }
            numerator = parts[0]
            denominator = parts.count == 2 ? parts[1] : 1
            guard numerator > 0, denominator > 0, value <= 1000 else { return nil }
        }

        public var value: Double { Double(numerator) / Double(denominator) }
        public var description: String { "\(numerator)/\(denominator)" }
    }

    /// Probes `path` with ffprobe. Errors: missing file, not a media file (including text that
    /// ffprobe's ANSI-art reader would otherwise "play" and still images), no video stream.
    public static func probe(_ path: String, tools: FFmpegTools) throws(VideoError) -> VideoInfo {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: path)
        }
        guard !isDirectory.boolValue else { throw .notAVideo(path: path, reason: "a folder") }
        let result: (status: Int32, output: String, errors: String)
        do {
            result = try Subprocess.run(
                tools.ffprobe,
                ["-v", "error", "-count_packets", "-show_streams", "-show_format", "-of", "json", "-i", fileURL(path)])
        } catch {
            throw .toolNotFound(tool: "ffprobe", searched: "\(tools.ffprobe) (\(error.localizedDescription))")
        }
        guard result.status == 0, let report = try? JSONDecoder().decode(Report.self, from: Data(result.output.utf8))
        else {
            let line = result.errors.split(whereSeparator: \.isNewline).last.map(String.init) ?? "ffprobe failed"
            // ffprobe prefixes the file name; the message names the file already.
            let prefix = fileURL(path) + ": "
            let reason = line.hasPrefix(prefix) ? String(line.dropFirst(prefix.count)) : line
            throw .notAVideo(path: path, reason: reason)
        }
        let format = report.format?.format_name ?? ""
        if format == "tty" { throw .notAVideo(path: path, reason: "text, not a video") }
        if format == "image2" || format.hasSuffix("_pipe") {
            throw .notAVideo(path: path, reason: "a still image; colorize it with `colorize \(path)`")
        }
        let streams = report.streams ?? []
        guard
            let video = streams.first(where: {
                $0.codec_type == "video" && $0.disposition?.attached_pic != 1 && ($0.width ?? 0) > 0
            })
        else { throw .noVideoStream(path: path) }
        guard let width = video.width, let height = video.height, width > 0, height > 0 else {
            throw .unsupported(path: path, reason: "no frame size")
        }
        guard let rate = frameRate(real: video.r_frame_rate, average: video.avg_frame_rate) else {
            throw .unsupported(path: path, reason: "no frame rate")
        }
        let average = video.avg_frame_rate.flatMap(FrameRate.init)
        let rotation = video.side_data_list?.compactMap(\.rotation).first ?? video.tags?.rotate.flatMap { Int($0) } ?? 0
        let turned = abs(rotation) % 180 == 90
        let duration = Double(video.duration ?? "") ?? Double(report.format?.duration ?? "")
        let timedFrames = duration.map { Int(($0 * rate.value).rounded()) }
        // Dropped frames leave gaps in the timestamps (AVI keeps them as empty chunks, which ffmpeg skips).
        let packets = Int(video.nb_read_packets ?? "")
        let hasGaps = packets.flatMap { count in timedFrames.map { Double(count) < 0.9 * Double($0) } } ?? false
        let averageDiffers = average.map { abs($0.value - rate.value) > 0.001 * rate.value } ?? false
        let frames = hasGaps ? timedFrames : Int(video.nb_frames ?? "") ?? timedFrames
        let sampleAspect = video.sample_aspect_ratio.flatMap { ratio -> String? in
            let parts = ratio.split(separator: ":").compactMap { Int($0) }
            return parts.count == 2 && parts[0] > 0 && parts[1] > 0 && parts[0] != parts[1] ? ratio : nil
        }
        return VideoInfo(
            streamIndex: video.index ?? 0, width: turned ? height : width, height: turned ? width : height,
            frameRate: rate, isVariableRate: averageDiffers || hasGaps,
            estimatedFrames: frames.flatMap { $0 > 0 ? $0 : nil },
            audioCodecs: streams.filter { $0.codec_type == "audio" }.map { $0.codec_name ?? "unknown" },
            sampleAspectRatio: sampleAspect)
    }

    /// `path` as ffmpeg's file protocol URL, so a name with a colon (`take:2.mp4`) or a leading dash is
    /// never read as another protocol or an option.
    public static func fileURL(_ path: String) -> String { "file:" + path }

    /// The rate frames are decoded and encoded at: the stream's own ("real") rate when the average
    /// agrees with it within 2 %, else the average, which keeps a variable-rate clip's duration.
    static func frameRate(real: String?, average: String?) -> FrameRate? {
        let r = real.flatMap(FrameRate.init), a = average.flatMap(FrameRate.init)
        if let r, let a, abs(r.value - a.value) > 0.02 * a.value { return a }
        return r ?? a
    }

    /// The parts of ffprobe's JSON we use (its field names).
    private struct Report: Decodable {
        var streams: [Stream]?
        var format: Format?
    }

    private struct Format: Decodable {
        var format_name: String?
        var duration: String?
    }

    private struct Stream: Decodable {
        var index: Int?
        var codec_type: String?
        var codec_name: String?
        var width: Int?
        var height: Int?
        var r_frame_rate: String?
        var avg_frame_rate: String?
        var nb_frames: String?
        var nb_read_packets: String?
        var duration: String?
        var sample_aspect_ratio: String?
        var disposition: Disposition?
        var tags: Tags?
        var side_data_list: [SideData]?
    }

    private struct Disposition: Decodable {
        var attached_pic: Int?
    }

    private struct Tags: Decodable {
        var rotate: String?
    }

    private struct SideData: Decodable {
        var rotation: Int?
    }
}
