import Foundation
import Testing
import VigilImport
import VigilTestSupport

extension KerasImportTests.BadInput {
    /// Kind 1: a real model whose end record points its central directory past the
    /// end of the file (ZIPFoundation trapped on this reading from memory).
    @Test(.timeLimit(.minutes(1)))
    func centralDirectoryPastTheEndIsMalformed() throws {
        let zip = [UInt8](try KerasImportFixtures.bytes("k3_reference.keras"))
        #expect(zip.count > 22 && zip[zip.count - 22] == 0x50 && zip[zip.count - 21] == 0x4b, "the fixture has no archive comment")
        for offset: UInt32 in [UInt32(zip.count), UInt32(zip.count - 10), 0xffff_fff0] {
            let error = try importing(Data(ZipForge.withCentralDirectoryOffset(zip, offset)), extension: "keras")
            #expect(isMalformed(error, mentioning: "central directory"), "\(String(describing: error))")
        }
    }

    /// Kind 2: `model.weights.h5` declares 10 bytes and deflates from 4 MB of zeros;
    /// inflation stops at the 11th byte.
    @Test(.timeLimit(.minutes(1)))
    func weightsInflatingPastTheirDeclaredSizeAreRefused() throws {
        let zip = ZipForge.archive([
            .init("config.json", Array("{}".utf8)),
            .init("model.weights.h5", [UInt8](repeating: 0, count: 4 << 20), deflated: true, declaredSize: 10),
        ])
        let error = try importing(Data(zip), extension: "keras")
        #expect(isMalformed(error, mentioning: "'model.weights.h5' inflates past the 10 bytes it declares"), "\(String(describing: error))")
        #expect(isMalformed(error, mentioning: "ImportLimits.maximumKerasWeightsBytes"), "\(String(describing: error))")
    }

    /// A member declaring more than its limit is refused before anything is inflated.
    @Test(.timeLimit(.minutes(1)))
    func membersDeclaringMoreThanTheirLimitAreRefused() throws {
        let bomb = ZipForge.archive([
            .init("config.json", Array("{}".utf8)),
            .init("model.weights.h5", [UInt8](repeating: 0, count: 1 << 16), deflated: true, declaredSize: 3_000_000_000),
        ])
        #expect(isMalformed(try importing(Data(bomb), extension: "keras"),
                            mentioning: "declares 3000000000 bytes, more than ImportLimits.maximumKerasWeightsBytes (2147483648 bytes)"))
        let config = ZipForge.archive([.init("config.json", Array("{}".utf8), deflated: true, declaredSize: 100_000_000)])
        #expect(isMalformed(try importing(Data(config), extension: "keras"), mentioning: "ImportLimits.maximumKerasJSONBytes"))
    }
}
