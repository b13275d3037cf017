import VigilSignalCore

/// Why replaying a folder of WFDB records stopped: the folder or a record name is
/// unusable, a record cannot be read, lacks the reference annotations a score or a
/// label needs, or its rate cannot be resampled. Each case names the folder or file.
public enum ReplayError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSuchFolder(String)
    case noRecords(folder: String)
    case invalidRecordName(String)
    case record(WFDBError)
    case noReferenceAnnotations(path: String)
    case resampler(Resampler.DesignError)

    public var description: String {
        switch self {
        case .noSuchFolder(let folder): "\(folder): no such folder"
        case .noRecords(let folder): "\(folder): no WFDB records (.hea files)"
        case .invalidRecordName(let name): "invalid record name '\(name)'"
        case .record(let error): "\(error)"
        case .noReferenceAnnotations(let path): "\(path): no reference annotations"
        case .resampler(let error): "\(error)"
        }
    }
}
