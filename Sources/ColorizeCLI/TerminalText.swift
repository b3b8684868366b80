import Foundation

/// Text shown on the terminal with control characters escaped, so a file name holding a newline or
/// an escape sequence (`\u{1B}[2J` clears the screen) is printed as the characters it is made of.
enum TerminalText {
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
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
