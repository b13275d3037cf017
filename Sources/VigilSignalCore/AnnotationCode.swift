/// A WFDB annotation type code (the `anntyp` of the WFDB library, 0...49 in
/// MIT format) with its standard mnemonic symbol.
public struct AnnotationCode: Sendable, Hashable, Comparable {
    public var rawValue: UInt8
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// The standard symbols by code (WFDB `ecgcodes.h`; codes 15, 17 and 42...49 have none).
    static let symbols: [String?] = [
        " ", "N", "L", "R", "a", "V", "F", "J", "A", "S",
        "E", "j", "/", "Q", "~", nil, "|", nil, "s", "T",
        "*", "D", "\"", "=", "p", "B", "^", "t", "+", "u",
        "?", "!", "[", "]", "e", "n", "@", "x", "f", "(",
        ")", "r",
    ]

    /// The symbol wfdb-python and WFDB's `rdann` print for this code, if standard.
    public var symbol: String? {
        Int(rawValue) < Self.symbols.count ? Self.symbols[Int(rawValue)] : nil
    }

    /// The code of a standard symbol.
    public init?(symbol: String) {
        guard let index = Self.symbols.firstIndex(where: { $0 == symbol }) else { return nil }
        self.init(UInt8(index))
    }

    public static let normal = AnnotationCode(1)
    public static let noise = AnnotationCode(14)
    public static let note = AnnotationCode(22)
    public static let rhythm = AnnotationCode(28)
    public static let flutterWave = AnnotationCode(31)
    public static let flutterOnset = AnnotationCode(32)
    public static let flutterEnd = AnnotationCode(33)

    /// Beat codes as WFDB's `isqrs` defines them (the set `bxb` compares):
    /// N L R a V F J A S E j / Q B ? e n f r. Rhythm, noise, artefact (`|`),
    /// flutter waves (`!`) and other non-beat annotations are not QRS complexes.
    public var isBeat: Bool {
        switch rawValue {
        case 1...13, 25, 30, 34, 35, 38, 41: return true
        default: return false
        }
    }

    /// AAMI class in the mapping that `mapping` names, or nil for non-beats.
    public func aamiClass(_ mapping: AAMIMapping) -> AAMIClass? {
        guard let symbol, isBeat else { return nil }
        switch mapping {
        case .ec57:
            switch symbol {
            case "N", "L", "R", "B": return .n
            case "A", "a", "J", "S", "e", "j", "n": return .s
            case "V", "r", "E": return .v
            case "F": return .f
            case "Q", "/", "f", "?": return .q
            default: return nil
            }
        case .deChazal:
            switch symbol {
            case "N", "L", "R", "e", "j": return .n
            case "A", "a", "J", "S": return .s
            case "V", "E": return .v
            case "F": return .f
            case "/", "f", "Q": return .q
            default: return nil
            }
        }
    }
}

/// The AAMI EC57 heartbeat classes, numbered as stored in `beats.h5`.
public enum AAMIClass: Int8, Sendable, CaseIterable {
    case n = 0, s = 1, v = 2, f = 3, q = 4
    public var name: String {
        switch self { case .n: "N"; case .s: "S"; case .v: "V"; case .f: "F"; case .q: "Q" }
    }
}

/// Two ways to fold MIT-BIH beat codes into AAMI classes (DESIGN §5).
public enum AAMIMapping: String, Sendable, CaseIterable {
    /// As WFDB's `bxb` implements EC57: N = N L R B; S = A a J S e j n; V = V r E; F = F; Q = Q / f (and ?).
    case ec57
    /// de Chazal 2004 and most papers since: N = N L R e j; S = A a J S; V = V E; F = F; Q = / f Q.
    case deChazal = "dechazal"
}
