import Foundation

/// Runs a program through `posix_spawn` with arguments given as raw bytes: `Process` takes Strings,
/// which cannot carry a file name that is not valid UTF-8.
enum RawProcess {
    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    /// A started child and where its output goes.
    struct Child {
        let pid: pid_t
        let outputPath: String
        let errorsPath: String
    }

    /// Starts `executable ARGUMENTS…` with standard output and error to files (not a terminal) and
    /// `environment` ("NAME=value" entries; nil: this process's own).
    static func start(_ executable: String, _ arguments: [[UInt8]], environment: [String]? = nil) throws -> Child {
        let directory = ColorizeCommandTests.temporaryDirectory()
        let child = Child(pid: 0, outputPath: directory + "/stdout", errorsPath: directory + "/stderr")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, child.outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, child.errorsPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = cStrings([Array(executable.utf8)] + arguments)
        defer { argv.forEach { $0?.deallocate() } }
        var pid = pid_t()
        let code: Int32
        if let environment {
            let envp = cStrings(environment.map { Array($0.utf8) })
            defer { envp.forEach { $0?.deallocate() } }
            code = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        } else {
            code = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        }
        guard code == 0 else { throw RawProcessError("cannot start \(executable): \(String(cString: strerror(code)))") }
        return Child(pid: pid, outputPath: child.outputPath, errorsPath: child.errorsPath)
    }

    /// Waits for `child` to end: its exit status (128 + signal when killed), output and peak memory.
    static func wait(_ child: Child) -> Result {
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7F
        func text(_ path: String) -> String {
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }
        return Result(
            status: signal == 0 ? (status >> 8) & 0xFF : 128 + signal, output: text(child.outputPath),
            errors: text(child.errorsPath))
    }

    /// Runs `executable ARGUMENTS…` to its end.
    static func run(_ executable: String, _ arguments: [[UInt8]], environment: [String]? = nil) throws -> Result {
        wait(try start(executable, arguments, environment: environment))
    }

    /// NUL-terminated copies of `strings` and a final nil, as argv and envp want them.
    private static func cStrings(_ strings: [[UInt8]]) -> [UnsafeMutablePointer<CChar>?] {
        strings.map { bytes in
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (index, byte) in bytes.enumerated() { pointer[index] = CChar(bitPattern: byte) }
            pointer[bytes.count] = 0
            return pointer
        } + [nil]
    }
}

/// A child process that could not be started.
struct RawProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
