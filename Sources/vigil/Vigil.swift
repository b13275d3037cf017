import ArgumentParser
import VigilImplant
import VigilImport
import VigilQuantize
import VigilRuntime

#if canImport(Glibc)
import Glibc
#endif

@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Vigil: an on-device inference runtime for cardiac implants.",
        subcommands: [DemoCommand.self, BenchCommand.self, ImportCommand.self, InspectCommand.self, RunCommand.self, QuantizeCommand.self, DatasetCommand.self, QRSCommand.self, DeviceCommand.self, ImplantCommand.self, RepoCommand.self, SupportedCommand.self]
    )

    /// Errors go to stderr as `error: …`; exit 1 for failures, 2 for usage errors.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CLIError {
            printError(error.description)
            Glibc.exit(1)
        } catch let error as PackageDataError {
            printError(error.description)
            Glibc.exit(1)
        } catch let error as DatasetError {
            printError(error.description)
            Glibc.exit(1)
        } catch let error as QuantizationError {
            printError(error.description)
            Glibc.exit(1)
        } catch let error as DeviceError {
            printError(error.description)
            Glibc.exit(1)
        } catch let error as ImplantError {
            printError(error.description)
            Glibc.exit(1)
        } catch let error as GraphError {
            printError(error.message)
            Glibc.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let message = fullMessage(for: error)
            if code == .validationFailure {
                printError(message)
                Glibc.exit(2)
            }
            printError(message)
            Glibc.exit(1)
        }
    }

    static func printError(_ message: String) {
        var text = message
        if text.hasPrefix("Error: ") { text.removeFirst(7) }
        Standard.error("error: \(text)")
    }
}
