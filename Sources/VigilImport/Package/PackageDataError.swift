/// Why arrays and a package do not go together: a file that cannot be read, an array
/// whose shape or dtype does not fit the model, malformed layout metadata, a reference
/// that does not match. The message names the file, tensor or metadata at fault.
public struct PackageDataError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
