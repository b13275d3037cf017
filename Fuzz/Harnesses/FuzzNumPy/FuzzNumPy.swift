// libFuzzer harness: NumPy `.npy` decoding and `.npz` archives (input starting with
// "PK", read from a scratch file as `vigil quantize --calibration` reads one). Built by
// Fuzz/run.sh.
import Foundation
import VigilNumPy
import CFuzzDriver

let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-fuzz-numpy-\(getpid()).npz")

@_cdecl("FuzzNumPy_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    vigil_fuzz_main(argc, argv) { data, size in fuzz(data, size) }
}

func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if bytes.starts(with: [0x50, 0x4B]) {
        guard (try? Data(bytes).write(to: scratch)) != nil else { return 0 }
        _ = try? NumPyArchive.read(path: scratch.path)
    } else {
        _ = try? NumPyArray.decode(bytes, name: "fuzz.npy")
    }
    return 0
}
