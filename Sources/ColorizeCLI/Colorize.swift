import ArgumentParser

/// The `colorize` command: colorizes grey photographs.
@main
struct Colorize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "colorize",
        abstract: "Colorize grey photographs (work in progress: the pipeline is being built).")

    func run() throws {
        print("colorize: the colorization pipeline is not built yet; see README.md.")
    }
}
