import ArgumentParser
import Colorization

/// What the network sees in training: which photos (`PhotoScreen` leaves out near-grey and
/// single-cast ones), and their true lightness or old-photograph greys of them
/// (`OldPhotoDegradation`: film response, fading, blur, grain, JPEG) with the true colours as targets.
struct TrainingInputOptions: ParsableArguments {
    @Option(help: "Training input: none (true lightness) or old (old-photograph greys; targets unchanged).")
    var degrade = GreyKind.none

    @Option(help: "With --degrade old: the share of crops left clean, 0…1.")
    var cleanShare = OldPhotoDegradation().cleanShare

    @Flag(help: "Train on every photo, also near-grey ones and those in one orange-yellow cast.")
    var keepAllPhotos = false

    func validate() throws {
        guard (0...1).contains(cleanShare) else {
            throw ValidationError("--clean-share must be from 0 to 1 (got \(cleanShare))")
        }
    }

    var screen: PhotoScreen? { keepAllPhotos ? nil : PhotoScreen() }

    var degradation: OldPhotoDegradation? {
        degrade == .old ? OldPhotoDegradation(cleanShare: cleanShare) : nil
    }
}

/// The greys a command shows the network: the photo's own lightness, or an old photograph's.
enum GreyKind: String, CaseIterable, ExpressibleByArgument {
    case none, old
}
