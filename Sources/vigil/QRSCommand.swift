import ArgumentParser

struct QRSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "qrs", abstract: "Run the streaming QRS detector over WFDB records.")
}
