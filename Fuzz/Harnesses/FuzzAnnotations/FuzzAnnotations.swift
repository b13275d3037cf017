// libFuzzer harness: the WFDB (MIT format) annotation reader, and the writer on what it
// accepts (a read annotation list must encode again). Built by Fuzz/run.sh.
import VigilSignalCore
import CFuzzDriver

@_cdecl("FuzzAnnotations_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    vigil_fuzz_main(argc, argv) { data, size in fuzz(data, size) }
}

func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let annotations = try? MITAnnotationCoding.decode(Array(UnsafeBufferPointer(start: data, count: size))) else { return 0 }
    _ = try? MITAnnotationCoding.encode(annotations)
    return 0
}
