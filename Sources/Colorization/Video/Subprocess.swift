import Foundation

/// A child process (ffmpeg, ffprobe) with its standard input and output as pipes we read and write
/// with exact sizes, and its standard error drained on a thread of its own into a short tail: an
/// undrained error pipe fills after 64 KiB and would block the child, and the tail is what an error
/// message quotes. (`@unchecked`: the handles are set once; the tail is behind a lock.)
final class Subprocess: @unchecked Sendable {
    private let process = Process()
    private let inputPipe: Pipe?
    private let outputPipe: Pipe?
    private let errorPipe = Pipe()
    private let errorLock = NSLock()
    private var errorBytes: [UInt8] = []
    private let errorDrained = DispatchSemaphore(value: 0)
    /// How much of standard error is kept (the end, where the reason usually is).
    private static let errorLimit = 16 * 1024

    /// Starts `executable` with `arguments`; `input`/`output` give it a pipe for standard input or
    /// output (otherwise /dev/null). Throws Foundation's error if it cannot be started.
    init(executable: String, arguments: [String], input: Bool, output: Bool) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        inputPipe = input ? Pipe() : nil
        outputPipe = output ? Pipe() : nil
        process.standardInput = inputPipe ?? FileHandle.nullDevice
        process.standardOutput = outputPipe ?? FileHandle.nullDevice
        process.standardError = errorPipe
        try process.run()
        let thread = Thread { [self] in drainErrors() }
        thread.name = "subprocess stderr"
        thread.start()
    }

    /// Runs a command to the end and returns its status and standard output and error as text.
    static func run(
        _ executable: String, _ arguments: [String]
    ) throws -> (status: Int32, output: String, errors: String) {
        let child = try Subprocess(executable: executable, arguments: arguments, input: false, output: true)
        let output = child.outputPipe?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        let status = child.waitForExit()
        return (status, String(decoding: output, as: UTF8.self), child.errorText)
    }

    private func drainErrors() {
        let handle = errorPipe.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            errorLock.lock()
            errorBytes += chunk
            if errorBytes.count > 2 * Self.errorLimit { errorBytes.removeFirst(errorBytes.count - Self.errorLimit) }
            errorLock.unlock()
        }
        errorDrained.signal()
    }

    /// Standard error so far (its last 16 KiB at most), trimmed.
    var errorText: String {
        errorLock.lock()
        defer { errorLock.unlock() }
        return String(decoding: errorBytes.suffix(Self.errorLimit), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The last non-empty line of standard error, for one-line messages.
    var lastErrorLine: String {
        errorText.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
    }

    /// Reads exactly `buffer.count` bytes from the child's standard output. Returns false at a clean
    /// end (nothing read); throws `ShortRead` when the stream ends inside the buffer.
    func readExactly(into buffer: UnsafeMutableRawBufferPointer) throws(ShortRead) -> Bool {
        guard let descriptor = outputPipe?.fileHandleForReading.fileDescriptor, let base = buffer.baseAddress else {
            return false
        }
        var done = 0
        while done < buffer.count {
            let n = read(descriptor, base + done, buffer.count - done)
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                if done == 0 { return false }
                throw ShortRead(bytes: done)
            }
        }
        return true
    }

    /// Writes all of `bytes` to the child's standard input; returns the errno on failure (EPIPE
    /// when the child has exited; SIGPIPE must be ignored, see `ignoreBrokenPipes`).
    func write(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard let descriptor = inputPipe?.fileHandleForWriting.fileDescriptor, let base = bytes.baseAddress else {
            return EBADF
        }
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(descriptor, base + done, bytes.count - done)
            if n >= 0 {
                done += n
            } else if errno != EINTR {
                return errno
            }
        }
        return nil
    }

    /// Closes our end of standard input, which the child reads as the end of its input.
    func closeInput() {
        try? inputPipe?.fileHandleForWriting.close()
    }

    /// Closes our end of standard output: a child blocked writing to it gets EPIPE and exits
    /// (ffmpeg restarts a write interrupted by SIGTERM, so the signal alone would not free it).
    /// Only once no thread reads it any more.
    func closeOutput() {
        try? outputPipe?.fileHandleForReading.close()
    }

    /// Asks the child to stop (SIGTERM) if it is still running.
    func terminate() {
        if process.isRunning { process.terminate() }
    }

    /// Waits for the child to exit and for its standard error to be drained; returns its exit status
    /// (128 + signal number when a signal ended it).
    @discardableResult
    func waitForExit() -> Int32 {
        process.waitUntilExit()
        errorDrained.wait()
        errorDrained.signal()  // later calls return at once
        return process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// A pipe that ended in the middle of a frame.
    struct ShortRead: Error {
        let bytes: Int
    }

    /// Writing to a pipe whose reader has exited raises SIGPIPE, which kills the process by default;
    /// ignored, the write fails with EPIPE instead and the encoder's own error can be reported.
    static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }
}
