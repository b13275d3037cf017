/// Why calibration or validation data cannot be used: a file that cannot be read,
/// arrays that do not fit the model, WFDB records without beats, a malformed RR
/// normalization. The message names the option, file or input at fault.
public struct DatasetError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
