import Foundation
import Imaging

/// Text shown on the terminal with control characters escaped, so a file name holding a newline or
/// an escape sequence (`\u{1B}[2J` clears the screen) is printed as the characters it is made of,
/// and the bytes of a name that is not valid UTF-8 as `\xE9`.
enum TerminalText {
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if let byte = FileSystemPath.escapedByte(scalar) {
                // A byte of a name that is not valid UTF-8 (see `FileSystemPath`), shown as that byte.
                result += String(format: "\\x%02X", byte)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.properties.generalCategory == .control:
                result += String(format: "\\x%02X", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Prints one line to standard output, escaped.
    static func print(_ line: String) { Swift.print(escaped(line)) }

    /// Writes one line to standard error, escaped.
    static func printError(_ line: String) { FileHandle.standardError.write(Data((escaped(line) + "\n").utf8)) }
}
