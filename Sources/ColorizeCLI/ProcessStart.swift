import Foundation
import Imaging

/// What `colorize` does before anything else runs: non-interactive runs get Swift's crash
/// backtracer switched off, and the arguments are read with their exact bytes.
enum ProcessStart {
    /// The backtracer setting of non-interactive runs. When a run traps, Swift's backtracer
    /// symbolicates the whole process before it exits; on a large debug binary that took minutes,
    /// during which the dying process still held its caller's pipes (a script or test waiting on
    /// them hung). `timeout=` bounds only the wait for a user at the terminal, not that work, so the
    /// backtracer is switched off: a trap still prints Swift's "Fatal error: …" line and ends the
    /// process by its signal, at once.
    static let nonInteractiveBacktrace = "enable=no"

    /// Re-executes this program with `SWIFT_BACKTRACE=enable=no` when standard error is not a
    /// terminal and `SWIFT_BACKTRACE` is unset (a setting chosen by the user is kept). The runtime
    /// reads the variable once, at process start, so setting it later would do nothing; the re-run
    /// is the same process (`execv` keeps the process id, open files and signal settings), with the
    /// same raw arguments. If the re-exec fails, the run goes on with the backtracer as it was.
    static func disableBacktracerUnlessInteractive() {
        guard getenv("SWIFT_BACKTRACE") == nil, isatty(STDERR_FILENO) == 0 else { return }
        guard setenv("SWIFT_BACKTRACE", nonInteractiveBacktrace, 1) == 0 else { return }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("SWIFT_BACKTRACE")
    }

    /// The arguments after the program name, names that are not valid UTF-8 kept byte for byte
    /// (`FileSystemPath`), for ArgumentParser (`CommandLine.arguments` has replaced those bytes).
    static func arguments() -> [String] { FileSystemPath.commandLineArguments() }
}
