// libFuzzer harness: a whole WFDB record as `vigil qrs --db` reads one: header, signal
// file (every format the header may name), checksums, then conversion to millivolts
// and resampling to the device rate. The input is the header text, a NUL byte, and the
// bytes of the signal file `r.dat`. Built by Fuzz/run.sh.
import Foundation
import VigilSignal
import CFuzzDriver

let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-fuzz-wfdb-\(getpid())")

@_cdecl("FuzzWFDBRecord_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    vigil_fuzz_main(argc, argv) { data, size in fuzz(data, size) }
}

func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let split = bytes.firstIndex(of: 0) ?? size
    try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let record = scratch.appendingPathComponent("r")
    guard (try? Data(bytes[..<split]).write(to: record.appendingPathExtension("hea"))) != nil,
          (try? Data(bytes[min(split + 1, size)...]).write(to: scratch.appendingPathComponent("r.dat"))) != nil else { return 0 }
    _ = try? ECGRecordSignal.load(record.path, lead: "MLII", rate: 256, annotator: nil)
    return 0
}
