// libFuzzer harness: the Keras importer, `.keras` zips (input starting with "PK") and
// legacy HDF5 `.h5` files otherwise. Both readers take paths (libhdf5 opens files), so
// each input is written to a scratch file first. Built by Fuzz/run.sh.
import Foundation
import VigilImport
import CFuzzDriver

let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-fuzz-keras-\(getpid())")

@_cdecl("FuzzKeras_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    vigil_fuzz_main(argc, argv) { data, size in fuzz(data, size) }
}

func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    let isZip = bytes.starts(with: [0x50, 0x4B])
    try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let url = scratch.appendingPathComponent(isZip ? "model.keras" : "model.h5")
    guard (try? bytes.write(to: url)) != nil else { return 0 }
    _ = try? KerasImporter.importModel(path: url.path)
    return 0
}
