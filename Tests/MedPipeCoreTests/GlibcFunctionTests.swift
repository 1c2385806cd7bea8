import Glibc
import Testing
import MedPipeCore

@Suite struct GlibcFunctionTests {
    /// The functions MedPipe looks up are found and callable; an unknown name is nil, not a crash.
    @Test
    func findsGlibcExtensionsAndNotUnknownNames() throws {
        let mallopt = try #require(GlibcFunction.named("mallopt", as: (@convention(c) (Int32, Int32) -> Int32).self))
        #expect(mallopt(-1 /* M_TRIM_THRESHOLD */, 128 << 10) == 1, "mallopt returns 1 on success")
        let fallocate = try #require(GlibcFunction.named("fallocate", as: (@convention(c) (Int32, Int32, off_t, off_t) -> Int32).self))
        #expect(fallocate(-1, 0, 0, 4096) == -1 && errno == EBADF, "a bad descriptor is refused by the real fallocate")
        #expect(GlibcFunction.named("medpipe_no_such_function", as: (@convention(c) () -> Void).self) == nil)
    }
}
