import ArgumentParser
import VigilImport

struct SupportedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supported",
        abstract: "List the layers and operators each importer translates (the README's table is this output).")

    func run() throws {
        print(ImportSupport.markdown)
    }
}
