import ArgumentParser
import Colorization
import Imaging
import Tensor

/// `--precision auto|fp32|bf16` on the commands that train or time training.
extension PrecisionChoice: ExpressibleByArgument {}

/// `--architecture seed|lite0|lite2` on `pretrain`.
extension ModelConfiguration.Architecture: ExpressibleByArgument {}

/// `--temperature` on every command that takes one: a usage error (exit 2) outside
/// `ModelConfiguration.temperatureRange`, including NaN and infinity.
func validateTemperatures(_ temperatures: [Double]) throws {
    for temperature in temperatures where !ModelConfiguration.temperatureRange.contains(temperature) {
        throw ValidationError("--temperature must be a number from 0.01 to 10 (got \(temperature))")
    }
}

/// `--format png|jpg` on `colorize images` (`jpeg` is accepted for `jpg`).
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case png, jpg

    init?(argument: String) {
        switch argument.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpg
        default: return nil
        }
    }

    var imageFormat: ImageFormat { self == .png ? .png : .jpeg }
}

/// `--reference-protocol split|crop|unrelated` on `evaluate`.
extension ReferenceProtocol: ExpressibleByArgument {}
