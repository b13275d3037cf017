// libFuzzer harness: TUF metadata as the gateway receives it. Built by Fuzz/run.sh.
// A selector byte picks the role the rest is read as (0 root, also checked as a trust
// anchor: keys parsed and signatures verified through libcrypto; 1 timestamp;
// 2 snapshot; 3 targets, delegations included), as the client reads each download.
import VigilTUF
import CFuzzDriver

@_cdecl("FuzzTUF_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    vigil_fuzz_main(argc, argv) { data, size in fuzz(data, size) }
}

func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let roles = ["root", "timestamp", "snapshot", "targets"]
    let role = roles[Int(data[0]) % roles.count]
    guard let envelope = try? Envelope(bytes: bytes, role: role) else { return 0 }
    switch data[0] % 4 {
    case 0:
        _ = try? TrustedMetadata(rootBytes: bytes, referenceTime: 1_800_000_000)
    case 1:
        _ = try? Timestamp(envelope.signed)
    case 2:
        _ = try? Snapshot(envelope.signed)
    default:
        if let targets = try? Targets(envelope.signed, role: role), let delegations = targets.delegations {
            _ = delegations.roles(for: "models/arrhythmia.int8.vpkg")
        }
    }
    return 0
}
