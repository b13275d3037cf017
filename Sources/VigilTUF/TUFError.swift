/// Why the update workflow refused something. Every case names the role or file, so the
/// gateway's log says what was wrong without a debugger.
public enum TUFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not metadata of the expected form (bad JSON, a missing or mistyped field, a
    /// duplicate signature keyid, an unknown key type or hash algorithm).
    case malformed(role: String, reason: String)
    /// Fewer valid signatures than the threshold its delegator sets.
    case unsigned(role: String, valid: Int, threshold: Int)
    /// Expired at the update's reference time.
    case expired(role: String, expires: String)
    /// A version other than the one the workflow requires (rollback, mix-and-match,
    /// a root that skips a version).
    case badVersion(role: String, reason: String)
    /// A file whose length or hashes differ from what trusted metadata says.
    case lengthOrHashMismatch(file: String, reason: String)
    /// The transfer itself failed or the server answered with an error.
    case download(url: String, reason: String)
    /// The server answered with HTTP status `status` (403 and 404 end a root rotation).
    case httpStatus(url: String, status: Int)
    /// No role trusted for the path lists the target.
    case targetNotFound(String)
    /// Reading or writing local files failed.
    case storage(path: String, reason: String)
    /// Bad arguments to the tooling (not a property of any metadata).
    case usage(String)

    public var description: String {
        switch self {
        case .malformed(let role, let reason): "\(role): malformed metadata: \(reason)"
        case .unsigned(let role, let valid, let threshold): "\(role): \(valid) valid signature\(valid == 1 ? "" : "s") of the \(threshold) required"
        case .expired(let role, let expires): "\(role): expired at \(expires)"
        case .badVersion(let role, let reason): "\(role): \(reason)"
        case .lengthOrHashMismatch(let file, let reason): "\(file): \(reason)"
        case .download(let url, let reason): "download of \(url) failed: \(reason)"
        case .httpStatus(let url, let status): "download of \(url) failed: HTTP status \(status)"
        case .targetNotFound(let path): "target '\(path)' is not listed by any trusted targets role"
        case .storage(let path, let reason): "\(path): \(reason)"
        case .usage(let message): message
        }
    }
}
