import ArgumentParser

@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Vigil: an on-device inference runtime for cardiac implants.",
        subcommands: [DemoCommand.self, BenchCommand.self, DatasetCommand.self, QRSCommand.self]
    )
}
