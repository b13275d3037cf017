// The tuf-conformance client protocol (CLIENT-CLI.md of theupdateframework/tuf-conformance)
// over VigilTUF:
//   vigil-tuf-client --metadata-dir M init ROOT
//   vigil-tuf-client --metadata-url U --metadata-dir M refresh
//   vigil-tuf-client --metadata-url U --metadata-dir M --target-name P [--target-name P2 …]
//                    --target-base-url TU --target-dir T download
// Exit 0 on success, 1 on any failure (with `error:` and the reason on stderr).
#if canImport(Glibc)
import Glibc
#endif
import VigilTUF

/// Writes `text` to standard error.
func printError(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    printError("error: \(message)\n")
    exit(1)
}

@main
struct VigilTUFClient {
    static func main() {
        let usage = """
            usage: vigil-tuf-client --metadata-dir DIR [--metadata-url URL] [--target-name PATH ...]
                                    [--target-base-url URL] [--target-dir DIR] [-v] (init ROOT | refresh | download)
            """

        var metadataDirectory: String?
        var metadataURL: String?
        var targetNames: [String] = []
        var targetBaseURL: String?
        var targetDirectory: String?
        var verbose = false
        var positional: [String] = []

        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            func value() -> String {
                guard let v = arguments.popFirst() else { fail("\(argument) needs a value\n\(usage)") }
                return v
            }
            switch argument {
            case "--metadata-dir": metadataDirectory = value()
            case "--metadata-url": metadataURL = value()
            case "--target-name": targetNames.append(value())
            case "--target-base-url": targetBaseURL = value()
            case "--target-dir": targetDirectory = value()
            case "-v", "--verbose": verbose = true
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                if argument.hasPrefix("-") { fail("unknown option \(argument)\n\(usage)") }
                positional.append(argument)
            }
        }

        guard let metadataDirectory else { fail("--metadata-dir is required\n\(usage)") }
        guard let command = positional.first else { fail("no command\n\(usage)") }

        func updater() -> Updater<URLFetcher> {
            guard let metadataURL else { fail("\(command) needs --metadata-url") }
            do {
                return try Updater(metadataDirectory: metadataDirectory, metadataURL: metadataURL, targetDirectory: targetDirectory,
                                   targetBaseURL: targetBaseURL, fetcher: URLFetcher(), referenceTime: LocalFiles.now())
            } catch {
                fail("\(error)")
            }
        }

        func report(_ u: Updater<URLFetcher>) {
            if verbose { for line in u.log { printError("vigil-tuf-client: \(line)\n") } }
        }

        switch command {
        case "init":
            guard positional.count == 2 else { fail("init takes the trusted root's file\n\(usage)") }
            do {
                let bytes = try LocalFiles.read(positional[1], maxLength: UpdaterConfiguration().rootMaxLength)
                // The initial root is the trust anchor: checked for form and self-signature only.
                _ = try TrustedMetadata(rootBytes: bytes, referenceTime: LocalFiles.now())
                try LocalFiles.makeDirectory(metadataDirectory)
                try LocalFiles.writeAtomically(bytes, to: "\(metadataDirectory)/root.json")
            } catch {
                fail("\(error)")
            }
        case "refresh":
            guard positional.count == 1 else { fail("refresh takes no arguments\n\(usage)") }
            var u = updater()
            do { try u.refresh() } catch {
                report(u)
                fail("\(error)")
            }
            report(u)
        case "download":
            guard positional.count == 1 else { fail("download takes no arguments\n\(usage)") }
            guard !targetNames.isEmpty else { fail("download needs --target-name") }
            guard targetDirectory != nil, targetBaseURL != nil else { fail("download needs --target-dir and --target-base-url") }
            var u = updater()
            for name in targetNames {
                do {
                    guard let target = try u.targetInfo(name) else { throw TUFError.targetNotFound(name) }
                    if try u.cachedTarget(target) == nil { try u.download(target) }
                } catch {
                    report(u)
                    fail("\(error)")
                }
            }
            report(u)
        default:
            fail("unknown command '\(command)'\n\(usage)")
        }

    }
}
