import ArgumentParser
import Colorization

/// How colour references are matched and turned into hints (`ReferenceMatcher.Settings`), on every
/// command that takes references; the defaults were chosen on the validation photos.
struct MatchingOptions: ParsableArguments {
    @Option(help: "Least feature similarity (cosine, −1…1) for a region to take the reference's colour.")
    var matchThreshold = ReferenceMatcher.Settings().threshold

    @Option(help: "At most this many colour points taken from the references per photo (0: none).")
    var matchPoints = ReferenceMatcher.Settings().maximumPoints

    @Option(help: "Softmax temperature over the reference's regions (lower: the single best match).")
    var matchTemperature = ReferenceMatcher.Settings().temperature

    @Option(help: "Points taken from the references are at least this many 8-pixel cells apart.")
    var matchSpacing = ReferenceMatcher.Settings().spacing

    @Option(
        help: """
            Agreement both ways (cosine): a region counts only if no other region of the photo is more than \
            this much more similar to its best match in the reference (2: off).
            """)
    var matchAgreement = ReferenceMatcher.Settings().agreement

    func validate() throws {
        guard (0...2).contains(matchAgreement) else {
            throw ValidationError("--match-agreement must be from 0 to 2 (got \(matchAgreement))")
        }
        guard (-1...1).contains(matchThreshold) else {
            throw ValidationError("--match-threshold must be from −1 to 1 (got \(matchThreshold))")
        }
        guard (0...200).contains(matchPoints) else {
            throw ValidationError("--match-points must be from 0 to 200 (got \(matchPoints))")
        }
        guard matchTemperature >= 0.001 && matchTemperature <= 10 else {
            throw ValidationError("--match-temperature must be from 0.001 to 10 (got \(matchTemperature))")
        }
        guard (1...16).contains(matchSpacing) else {
            throw ValidationError("--match-spacing must be from 1 to 16 cells (got \(matchSpacing))")
        }
    }

    var settings: ReferenceMatcher.Settings {
        var settings = ReferenceMatcher.Settings()
        settings.threshold = matchThreshold
        settings.maximumPoints = matchPoints
        settings.temperature = matchTemperature
        settings.spacing = matchSpacing
        settings.agreement = matchAgreement
        return settings
    }
}
