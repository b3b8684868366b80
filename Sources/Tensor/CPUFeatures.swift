import CDNNL
import CKernels
import Foundation
import Synchronization

/// The instruction sets the engine's kernels may use on this CPU, and what that means for bf16.
///
/// Every CPU check in the engine goes through `level`: oneDNN's kernels, our direct AVX-512 kernels
/// and the choice of convolution precision. Two environment variables cap it, so that one machine
/// can also run as a smaller CPU would (CI runs the kernel tests a second time capped to AVX2):
/// - `ONEDNN_MAX_CPU_ISA` (oneDNN's own: `AVX2`, `AVX512_CORE`, `AVX512_CORE_BF16`, …) caps oneDNN,
///   and the engine follows it, as it reads oneDNN's effective ISA;
/// - `COLORIZE_MAX_CPU_ISA` (the same names) caps the engine's own checks and oneDNN too.
public enum CPUFeatures {
    /// The instruction-set levels the engine tells apart, lowest first.
    public enum Level: Int, Comparable, Sendable, CustomStringConvertible {
        /// Below AVX2 (SSE4.1 or AVX): oneDNN's oldest kernels; nothing of ours.
        case belowAVX2
        /// AVX2 with FMA: oneDNN's fp32 kernels; no bf16 kernels at all (oneDNN falls to reference code).
        case avx2
        /// AVX-512 (F, BW, VL, DQ): our direct kernels, and bf16 only emulated by oneDNN (slower than fp32).
        case avx512
        /// AVX-512 with AVX512_BF16: bf16 dot products in hardware.
        case avx512BF16
        /// AMX tiles with bf16.
        case amx

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

        public var description: String {
            switch self {
            case .belowAVX2: "below AVX2"
            case .avx2: "AVX2"
            case .avx512: "AVX-512"
            case .avx512BF16: "AVX-512 + AVX512_BF16"
            case .amx: "AMX-BF16"
            }
        }

        /// The level a cap names, in oneDNN's spelling of `ONEDNN_MAX_CPU_ISA` (case-insensitive):
        /// `SSE41`, `AVX`, `AVX2`, `AVX2_VNNI`, `AVX512_CORE`, `AVX512_CORE_VNNI`, `AVX512_CORE_BF16`,
        /// `AVX512_CORE_AMX`, `ALL`. Nil for anything else.
        public init?(capName: String) {
            switch capName.uppercased() {
            case "SSE41", "AVX": self = .belowAVX2
            case "AVX2", "AVX2_VNNI": self = .avx2
            case "AVX512_CORE", "AVX512_CORE_VNNI": self = .avx512
            case "AVX512_CORE_BF16": self = .avx512BF16
            case "AVX512_CORE_AMX", "ALL": self = .amx
            default: return nil
            }
        }

        /// oneDNN's level, from the bits of its ISA value (each level's value contains the bits of those below).
        init(oneDNN isa: dnnl_cpu_isa_t) {
            func has(_ level: dnnl_cpu_isa_t) -> Bool { isa.rawValue & level.rawValue == level.rawValue }
            self =
                if has(dnnl_cpu_isa_avx512_core_amx) {
                    .amx
                } else if has(dnnl_cpu_isa_avx512_core_bf16) {
                    .avx512BF16
                } else if has(dnnl_cpu_isa_avx512_core) {
                    .avx512
                } else if has(dnnl_cpu_isa_avx2) {
                    .avx2
                } else {
                    .belowAVX2
                }
        }

        /// oneDNN's name of the level, to pass to `dnnl_set_max_cpu_isa`.
        var oneDNN: dnnl_cpu_isa_t {
            switch self {
            case .belowAVX2: dnnl_cpu_isa_avx
            case .avx2: dnnl_cpu_isa_avx2
            case .avx512: dnnl_cpu_isa_avx512_core
            case .avx512BF16: dnnl_cpu_isa_avx512_core_bf16
            case .amx: dnnl_cpu_isa_all
            }
        }
    }

    /// How bf16 convolutions run at a level.
    public enum BFloat16Support: Sendable, CustomStringConvertible {
        /// bf16 dot products in hardware (AVX512_BF16 or AMX): about twice fp32's multiply-adds.
        case native
        /// oneDNN rounds to bf16 and multiplies in fp32 (AVX-512 without AVX512_BF16): bf16's
        /// rounding at a higher cost than fp32.
        case emulated
        /// No bf16 kernels (AVX2 and below): a bf16 request runs the fp32 kernels.
        case none

        public var description: String {
            switch self {
            case .native: "native"
            case .emulated: "emulated"
            case .none: "none"
            }
        }
    }

    /// The caps set in the environment: the variable and the level it names (unknown names are ignored,
    /// as oneDNN ignores them).
    public static let caps: [(variable: String, value: String, level: Level)] = {
        let environment = ProcessInfo.processInfo.environment
        return ["COLORIZE_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA"].compactMap { name in
            guard let value = environment[name], let level = Level(capName: value) else { return nil }
            return (name, value, level)
        }
    }()

    /// The level the engine runs at: oneDNN's effective ISA (the CPU as cpuid reports it, capped by
    /// `ONEDNN_MAX_CPU_ISA`), capped further by `COLORIZE_MAX_CPU_ISA`. Reading it first hands the
    /// project's cap to oneDNN, which accepts a cap only before its first kernel: `OneDNNConvolution`
    /// reads it before creating its engine.
    public static let level: Level = {
        let own = caps.first { $0.variable == "COLORIZE_MAX_CPU_ISA" }?.level
        if let own { _ = dnnl_set_max_cpu_isa(own.oneDNN) }
        let oneDNN = Level(oneDNN: dnnl_get_effective_cpu_isa())
        return min(oneDNN, own ?? .amx)
    }()

    /// Whether our direct AVX-512 kernels may run: the CPU has AVX-512F and no cap is below AVX-512.
    public static let directKernelsAvailable = level >= .avx512 && ck_has_avx512() != 0

    /// How bf16 convolutions run here.
    public static var bfloat16: BFloat16Support {
        switch level {
        case .amx, .avx512BF16: .native
        case .avx512: .emulated
        case .avx2, .belowAVX2: .none
        }
    }

    /// The CPU's vector and bf16 features, as /proc/cpuinfo lists them (before any cap).
    public static let hardwareFeatures: [String] = {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return [] }
        let wanted: Set<String> = ["avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16"]
        return flags.split(separator: " ").map(String.init).filter(wanted.contains)
    }()

    /// One line for logs and diagnostics, e.g. "CPU features avx2 fma avx512f avx512_bf16; kernels at
    /// AVX-512 + AVX512_BF16 (bf16 native)", with the caps in force when there are any.
    public static var summary: String {
        let features = hardwareFeatures.isEmpty ? "unknown" : hardwareFeatures.joined(separator: " ")
        let capped =
            caps.isEmpty ? "" : " (capped by " + caps.map { "\($0.variable)=\($0.value)" }.joined(separator: ", ") + ")"
        return "CPU features \(features); kernels at \(level)\(capped), bf16 \(bfloat16)"
    }
}

/// The precision asked for on a command line: `auto` (the default) picks bf16 where the CPU
/// multiplies bf16 natively and fp32 elsewhere.
public enum PrecisionChoice: String, Sendable, CaseIterable, CustomStringConvertible {
    case auto, fp32, bf16

    /// The precision the convolutions run in. An explicit bf16 on a CPU without native bf16 warns
    /// once on standard error: emulated it is slower than fp32, and without bf16 kernels it runs fp32.
    public func resolved() -> ConvolutionPrecision {
        switch self {
        case .auto: return CPUFeatures.bfloat16 == .native ? .bf16 : .fp32
        case .fp32: return .fp32
        case .bf16:
            Self.warnOnce()
            return .bf16
        }
    }

    /// "auto (bf16)", "fp32", "bf16": the choice with what `auto` resolved to.
    public var description: String { self == .auto ? "auto (\(resolved()))" : rawValue }

    private static let warned = Mutex(false)

    private static func warnOnce() {
        let message: String? =
            switch CPUFeatures.bfloat16 {
            case .native: nil
            case .emulated:
                "warning: this CPU has no native bf16 (AVX512_BF16 or AMX); bf16 convolutions run emulated, "
                    + "slower than fp32 (--precision auto picks fp32 here)"
            case .none:
                "warning: this CPU has no bf16 kernels (\(CPUFeatures.level)); bf16 convolutions run as fp32 "
                    + "(--precision auto picks fp32 here)"
            }
        let first = warned.withLock { warned in
            defer { warned = true }
            return !warned
        }
        guard let message, first else { return }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

extension ConvolutionPrecision {
    /// The precision the kernels run for the task's `current` one: bf16 falls to fp32 where the CPU
    /// has no bf16 kernels (AVX2), so that the fp32 JIT kernels run instead of reference code.
    static var effective: ConvolutionPrecision {
        current == .bf16 && CPUFeatures.bfloat16 == .none ? .fp32 : current
    }
}
