import ArgumentParser
import Colorization
import ColorizeServer
import Foundation
import Hummingbird

/// `colorize serve`: the web UI and HTTP API.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a web page (and JSON/HTTP API) to colorize photos in a browser.",
        discussion: """
            API: POST /api/colorize with an image body (raw or multipart) returns a PNG of the same size \
            (?temperature=T optional); GET /api/health. Binds to localhost unless --host says otherwise; \
            answers only for the host names it is bound to and refuses cross-origin POSTs (see --allow-origin).
            """)

    @Option(help: "Address to bind (0.0.0.0 exposes it to the network).")
    var host = "127.0.0.1"

    @Option(help: "Port.")
    var port = 8080

    @Option(help: "Model file (default: the shipped model).")
    var model: String?

    @Option(help: "Largest accepted upload in MB.")
    var maxUploadMb = 25

    @Option(help: "Colorizations run at once; more wait in a queue.")
    var concurrent = 2

    @Option(help: "Queued colorizations beyond which requests get 503.")
    var queue = 16

    @Option(
        help: ArgumentHelp(
            "An origin (scheme://host[:port]) whose web pages may POST to this server; repeatable.",
            discussion: "Cross-origin POSTs are refused by default, so no web page you visit can use the server."))
    var allowOrigin: [String] = []

    @OptionGroup(title: "Colour decoding") var chroma: DecodingOptions

    func run() async throws {
        Colorizer.configureProcessForPhotos()
        let colorizer = try DefaultModel.colorizer(model, decoding: chroma.decoding)
        var configuration = WebConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.maxUploadBytes = maxUploadMb << 20
        configuration.concurrentColorizations = concurrent
        configuration.queueLimit = queue
        configuration.allowedOrigins = allowOrigin
        print("serving on http://\(host):\(port)/ (Ctrl-C to stop)")
        try await makeWebApplication(colorizer: colorizer, configuration: configuration).runService()
    }
}
