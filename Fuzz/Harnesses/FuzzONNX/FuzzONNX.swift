// libFuzzer harness: the ONNX importer (protobuf decoding, graph conversion, constant
// folding, rewrites, validation). Built by Fuzz/run.sh.
import VigilImport
import CFuzzDriver

@_cdecl("FuzzONNX_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    vigil_fuzz_main(argc, argv) { data, size in fuzz(data, size) }
}

func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = try? ONNXImporter.importModel(contentsOf: Array(UnsafeBufferPointer(start: data, count: size)), name: "fuzz.onnx")
    return 0
}
