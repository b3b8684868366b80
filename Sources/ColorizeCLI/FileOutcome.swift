/// What became of one input of `colorize images`: shown as it happens, tallied for the summary and
/// written as one `--report` line.
struct FileOutcome: Sendable, Equatable {
    enum Status: String, Sendable {
        case colorized, skipped, failed
    }

    let input: String
    /// The output file, when one was planned (not for an argument that names nothing usable).
    let output: String?
    let status: Status
    var width: Int? = nil
    var height: Int? = nil
    /// Time spent on this file: reading, its share of its batch's network pass, and writing.
    var seconds: Double? = nil
    /// Why it failed, naming the file; nil otherwise.
    var error: String? = nil

    static func failed(_ input: String, output: String?, _ error: String) -> FileOutcome {
        FileOutcome(input: input, output: output, status: .failed, error: error)
    }
}
