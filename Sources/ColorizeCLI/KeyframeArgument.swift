import ArgumentParser
import Foundation

/// `--keyframe N:FILE` on `colorize video`: a colour image for frame N (0-based).
struct KeyframeArgument: Equatable {
    var frame: Int
    var path: String

    /// Parses `N:FILE`; a frame that is not a whole number from 0, or a file that does not exist,
    /// is a usage error naming it.
    init(parsing text: String) throws {
        guard let colon = text.firstIndex(of: ":") else {
            throw ValidationError("--keyframe \(text): expected N:FILE, e.g. --keyframe 0:first-frame.png")
        }
        let number = text[..<colon].trimmingCharacters(in: .whitespaces)
        path = String(text[text.index(after: colon)...])
        guard let frame = Int(number), frame >= 0 else {
            throw ValidationError(
                "--keyframe \(text): the frame number must be a whole number from 0 (got \"\(number)\")")
        }
        self.frame = frame
        guard !path.isEmpty else { throw ValidationError("--keyframe \(text): no image file after \"\(number):\"") }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw ValidationError("--keyframe \(text): \(path): no such image file")
        }
    }

    /// Parses every `--keyframe`, refusing two for one frame.
    static func parse(_ texts: [String]) throws -> [KeyframeArgument] {
        let keyframes = try texts.map { try KeyframeArgument(parsing: $0) }
        var seen = Set<Int>()
        for keyframe in keyframes where !seen.insert(keyframe.frame).inserted {
            throw ValidationError("--keyframe: frame \(keyframe.frame) is given twice")
        }
        return keyframes
    }
}
