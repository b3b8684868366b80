import Foundation
import Testing

/// A run whose standard error is not a terminal has Swift's backtracer switched off
/// (`SWIFT_BACKTRACE=enable=no`, set by re-executing itself at start), so a trap ends it at once
/// instead of symbolicating for minutes while holding its caller's pipes; a setting the user chose is
/// kept. Checked on a `colorize serve` child (it stays up long enough to look at): its environment
/// in /proc once it answers on its port.
@Suite struct BacktraceSettingTests {
    typealias CLI = ColorizeCommandTests

    @Test func nonInteractiveRunsHaveTheBacktracerOff() throws {
        let inherited = ProcessInfo.processInfo.environment.filter { $0.key != "SWIFT_BACKTRACE" }
            .map { "\($0.key)=\($0.value)" }
        #expect(try Self.backtraceSettings(environment: inherited) == ["SWIFT_BACKTRACE=enable=no"])
        let chosen = "SWIFT_BACKTRACE=enable=yes,interactive=no"
        #expect(try Self.backtraceSettings(environment: inherited + [chosen]) == [chosen])
    }

    /// The SWIFT_BACKTRACE entries in the environment of a `colorize serve` started with
    /// `environment` and standard error to a file, read once it accepts connections.
    static func backtraceSettings(environment: [String]) throws -> [String] {
        let port = UInt16.random(in: 30000..<60000)
        let child = try RawProcess.start(
            CLI.executable, ["serve", "--port", "\(port)", "--model", CLI.model].map { Array($0.utf8) },
            environment: environment)
        defer {
            kill(child.pid, SIGKILL)
            _ = RawProcess.wait(child)
        }
        let deadline = Date().addingTimeInterval(60)
        while !accepts(port: port) {
            var status: Int32 = 0
            guard Date() < deadline, waitpid(child.pid, &status, WNOHANG) == 0 else {
                throw RawProcessError("colorize serve never answered on port \(port)")
            }
            usleep(100_000)
        }
        let environ = FileManager.default.contents(atPath: "/proc/\(child.pid)/environ") ?? Data()
        return environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            .filter { $0.hasPrefix("SWIFT_BACKTRACE=") }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(port: UInt16) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
