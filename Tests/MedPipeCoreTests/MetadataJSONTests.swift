import Foundation
import Testing
import MedPipeCore

/// `MetadataJSON.object` against the JSON decoder it stands in for: wherever it reads a text, it gives what
/// `JSONCoding.decoder()` decodes, to the bit; elsewhere it gives nil.
@Suite struct MetadataJSONTests {
    /// A value's case and exact content (NaN equal to itself, a string "nan" apart from the double).
    private func signature(_ value: MetadataValue) -> String {
        switch value {
        case .string(let s): "string \(s.debugDescription)"
        case .int(let i): "int \(i)"
        case .double(let d): "double \(d.bitPattern)"
        case .strings(let a): "strings \(a.map(\.debugDescription))"
        case .doubles(let a): "doubles \(a.map(\.bitPattern))"
        }
    }

    private func signature(_ object: [String: MetadataValue]?) -> [String: String]? { object?.mapValues(signature) }

    private func decoded(_ text: String) -> [String: MetadataValue]? {
        try? JSONCoding.decoder().decode([String: MetadataValue].self, from: Data(text.utf8))
    }

    /// Checks one text; returns whether the fast reader read it.
    @discardableResult
    private func check(_ text: String) -> Bool {
        guard let fast = MetadataJSON.object(text) else { return false }
        #expect(signature(fast) == signature(decoded(text)), "\(text)")
        return true
    }

    @Test func entriesOfBeatsAndImagesAreReadAsTheDecoderReadsThem() throws {
        let beat: [String: MetadataValue] = [
            "r_peak": .int(1234), "symbol": .string("N"), "rr_channels": .int(4), "signalNames": .strings(["MLII", "V5"]),
            "gains": .doubles([200, 200.5]), "baselines": .doubles([1024, -3]), "frequency": .double(360.5), "empty": .doubles([]),
        ]
        for object in [beat, [:], ["patient": .string("P-abc"), "slope": .double(.nan), "limit": .double(-.infinity)]] {
            let text = String(decoding: try JSONCoding.encoder().encode(object), as: UTF8.self)
            #expect(check(text), "the fast reader reads \(text)")
        }
    }

    @Test func handWrittenTextsAreReadAlikeOrLeftToTheDecoder() {
        let read = [
            #"{ "a" : 1 , "b" : [ 1 , 2.5 , "nan" ] , "c" : "inf" }"#, #"{"big":123456789012345678901234}"#,
            #"{"tiny":5e-324,"x":-1.5}"#, #"{"n":"nan","m":["nan","text"]}"#,
            #"{"i":-9223372036854775808,"j":9223372036854775807}"#, #"{"u":"Zürich ☃ 日本"}"#, #"{"e":2.5E-1,"f":25e-3}"#,
        ]
        for text in read { #expect(check(text), "the fast reader reads \(text)") }
        let leftToTheDecoder = [
            #"{"a":1.0}"#, #"{"a":1e3}"#, #"{"a":1.7976931348623157e308}"#, #"{"a":-0.5}"#, #"{"a":-0}"#, #"{"a":"x\"y"}"#, #"{"a":"\u00e9"}"#, #"{"a":[1,"x"]}"#,
            #"{"a":1,"a":2}"#, #"{"a":{"b":1}}"#, #"{"a":null}"#, #"{"a":true}"#, #"{"a":01}"#, #"{"a":1.}"#, #"{"a":.5}"#,
            #"{"a":+1}"#, #"{"a":1} x"#, #"{"a":1,}"#, #"{"a":[1,]}"#, #"{"a":1e400}"#, #"{"a":[[1]]}"#, #"[1]"#, "", #"{"a""#,
            "{\"a\":\"tab\there\"}",
        ]
        for text in leftToTheDecoder { #expect(MetadataJSON.object(text) == nil, "\(text) is the decoder's") }
    }

    /// Random objects as the encoder writes them: every one the fast reader reads is the decoder's value, and it
    /// reads most of them.
    @Test func randomObjectsAreReadAsTheDecoderReadsThem() throws {
        var rng = SeededGenerator(seed: 7)
        let strings = ["N", "", "nan", "inf", "-inf", "123", "1.5", "a\"b", "line\nbreak", "Zürich ☃", "\\", "/", "V5", "P-3K9"]
        let doubles: [Double] = [0.1, -2.75, 1.0, 1e20, -0.0, 5e-324, 1.7976931348623157e308, .nan, .infinity, -.infinity, 360, 0.5]
        let ints = [0, -1, 7, 1234, Int.max, Int.min]
        func value() -> MetadataValue {
            switch rng.below(5) {
            case 0: .string(strings[rng.below(strings.count)])
            case 1: .int(ints[rng.below(ints.count)])
            case 2: .double(rng.below(2) == 0 ? doubles[rng.below(doubles.count)] : (rng.unit() - 0.5) * 1e6)
            case 3: .strings((0..<rng.below(4)).map { _ in strings[rng.below(strings.count)] })
            default: .doubles((0..<rng.below(4)).map { _ in doubles[rng.below(doubles.count)] })
            }
        }
        var readFast = 0
        for _ in 0..<2000 {
            var object: [String: MetadataValue] = [:]
            for key in 0..<rng.below(6) { object["k\(key)"] = value() }
            if check(String(decoding: try JSONCoding.encoder().encode(object), as: UTF8.self)) { readFast += 1 }
        }
        #expect(readFast > 400, "read \(readFast) of 2000")
    }
}
