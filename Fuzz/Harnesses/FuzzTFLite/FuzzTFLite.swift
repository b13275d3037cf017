// libFuzzer harness: the TFLite flatbuffer reader and importer. Built by Fuzz/run.sh.
import VigilImport
import CFuzzDriver

@_cdecl("FuzzTFLite_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    vigil_fuzz_main(argc, argv) { data, size in fuzz(data, size) }
}

func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = try? TFLiteImporter.importModel(contentsOf: Array(UnsafeBufferPointer(start: data, count: size)), name: "fuzz.tflite")
    return 0
}
