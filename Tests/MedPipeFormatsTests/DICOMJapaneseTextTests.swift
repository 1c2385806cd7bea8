import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeFormats

/// Japanese text (JIS X 0201 katakana, ISO_IR 13 and ISO 2022 IR 13; the kanji of ISO 2022 IR 87 and 159) converted to
/// UTF-8 as pydicom decodes it. DCMTK names these sets to iconv by names glibc lacks, so every such file failed to
/// convert and `anonymize` withheld it.
@Suite(.enabled(if: SharedData.isAvailable)) struct DICOMJapaneseTextTests {
    /// pydicom's Japanese charset files, and files pydicom writes from an MR slice: single-byte ISO_IR 13 holding Shift JIS
    /// kanji as Japanese systems write them, katakana with kanji and hiragana, and JIS X 0212 kanji.
    @Test func everyTextValueDecodesAsPydicomDecodesIt() throws {
        try ReferencePython.require("pydicom")
        let folder = temporaryDirectory("japanese")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let make = try ReferencePython.run("""
            import os, shutil, sys, pydicom
            from pydicom.dataset import Dataset
            charsets = os.path.join(os.path.dirname(pydicom.__file__), 'data', 'charset_files')
            for name in ['chrH31', 'chrH32', 'chrJapMulti', 'chrJapMultiExplicitIR6', 'chrSQEncoding1']:
                shutil.copy(os.path.join(charsets, name + '.dcm'), sys.argv[2])
            def write(name, charset, patient, maker, series=None):
                ds = pydicom.dcmread(sys.argv[1])
                ds.SpecificCharacterSet = charset
                ds.PatientName = patient
                if isinstance(maker, bytes): ds.add_new(0x00080070, 'LO', maker)
                else: ds.Manufacturer = maker
                if series is not None:
                    item = Dataset(); item.SpecificCharacterSet = series[0]; item.CodeMeaning = series[1]
                    ds.ProcedureCodeSequence = [item]
                ds.save_as(os.path.join(sys.argv[2], name + '.dcm'))
            write('ir13', 'ISO_IR 13', 'ﾔﾏﾀﾞ^ﾀﾛｳ', 'ｸﾘﾆｯｸ 山田医院 表'.encode('shift_jis'))
            write('ir13-87', ['ISO 2022 IR 13', 'ISO 2022 IR 87'], 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう', 'ﾔﾏﾀﾞ ｸﾘﾆｯｸ 山田医院\\\\二',
                  (['ISO 2022 IR 13', 'ISO 2022 IR 87'], 'ｽﾞｶﾞｲ 頭部'))
            write('ir159', ['ISO 2022 IR 6', 'ISO 2022 IR 87', 'ISO 2022 IR 159'], 'Yamada=丂山田', '丂 病院')
            """, [SharedData.path("dicom/mr_series/In/00001.dcm"), folder])
        try #require(make.status == 0, "\(make.output)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names.count == 8)
        let expected = try ReferencePython.json("""
            import glob, json, os, sys, pydicom
            text = ('SH', 'LO', 'ST', 'LT', 'UC', 'UT', 'PN')
            def walk(ds, prefix, out):
                for e in ds:
                    tag = '(%04X,%04X)' % (e.tag.group, e.tag.element)
                    if e.VR == 'SQ':
                        for i, item in enumerate(e.value): walk(item, prefix + tag + '[%d].' % i, out)
                    elif e.VR in text and not e.tag.is_private:  # private VRs: pydicom's dictionary, not DCMTK's
                        values = list(e.value) if isinstance(e.value, pydicom.multival.MultiValue) else [e.value]
                        out[prefix + tag] = '\\\\'.join('' if v is None else str(v).strip(' \\x00') for v in values)
                return out
            print(json.dumps({os.path.basename(p): walk(pydicom.dcmread(p), '', {}) for p in glob.glob(sys.argv[1] + '/*.dcm')}))
            """, [folder])
        for name in names {
            let file = try DICOMFile(wholeFileAt: folder + "/" + name)
            try file.convertToUTF8()
            var found: [String: String] = [:]
            for attribute in try file.attributes(textOnly: true) where !attribute.isMeta && !attribute.isPrivate && DICOMCharacterSet.textVRs.contains(attribute.vr) {
                let values = ["ST", "LT", "UT"].contains(attribute.vr) ? [Substring(attribute.value)] : attribute.value.split(separator: "\\", omittingEmptySubsequences: false)
                found[attribute.path] = values.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \0")) }.joined(separator: "\\")
            }
            let theirs = try #require(expected[name] as? [String: String], "\(name)")
            #expect(found == theirs, "\(name)")
            #expect(try file.string(DICOMCharacterSet.tag) == "ISO_IR 192", "\(name)")
        }
        // The values that show each set decoded, as pydicom gives them (a guard against both sides reading nothing).
        #expect((expected["ir13.dcm"] as? [String: String])?["(0008,0070)"] == "ｸﾘﾆｯｸ 山田医院 表")
        #expect((expected["ir13-87.dcm"] as? [String: String])?["(0008,1032)[0].(0008,0104)"] == "ｽﾞｶﾞｲ 頭部")
        #expect((expected["ir159.dcm"] as? [String: String])?["(0010,0010)"] == "Yamada=丂山田")
        #expect((expected["chrSQEncoding1.dcm"] as? [String: String])?.values.contains("ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう") == true)
    }

    /// A byte no declared set holds, or an escape to a set not declared, is an error naming it: the text is not guessed.
    @Test func bytesOutsideTheDeclaredSetsAreAnError() throws {
        try ReferencePython.require("pydicom")
        let folder = temporaryDirectory("japanese-bad")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let make = try ReferencePython.run("""
            import os, sys, pydicom
            for name, charset, maker in [('byte', 'ISO 2022 IR 13', b'\\xb8\\x80'), ('escape', 'ISO 2022 IR 13', b'\\x1b$B;3\\x1b(B')]:
                ds = pydicom.dcmread(sys.argv[1])
                ds.SpecificCharacterSet = charset
                ds.add_new(0x00080070, 'LO', maker)
                ds.save_as(os.path.join(sys.argv[2], name + '.dcm'))
            """, [SharedData.path("dicom/mr_series/In/00001.dcm"), folder])
        try #require(make.status == 0, "\(make.output)")
        for (name, problem) in [("byte", "the byte 0x80 is in none of the Japanese sets declared"),
                                ("escape", "an escape sequence for a set the Specific Character Set does not declare")] {
            let file = try DICOMFile(wholeFileAt: folder + "/\(name).dcm")
            #expect { try file.convertToUTF8() } throws: { ($0 as? MedPipeError)?.message.contains(problem) == true }
        }
    }
}
