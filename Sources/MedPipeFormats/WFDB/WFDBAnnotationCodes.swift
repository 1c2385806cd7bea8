/// The standard WFDB annotation codes (ecgcodes.h) and their mnemonics, as wfdb-python's `ann_label_table`.
enum WFDBAnnotationCodes {
    static let symbols: [Int: String] = [
        0: " ", 1: "N", 2: "L", 3: "R", 4: "a", 5: "V", 6: "F", 7: "J", 8: "A", 9: "S", 10: "E",
        11: "j", 12: "/", 13: "Q", 14: "~", 16: "|", 18: "s", 19: "T", 20: "*", 21: "D", 22: "\"",
        23: "=", 24: "p", 25: "B", 26: "^", 27: "t", 28: "+", 29: "u", 30: "?", 31: "!", 32: "[",
        33: "]", 34: "e", 35: "n", 36: "@", 37: "x", 38: "f", 39: "(", 40: ")", 41: "r",
    ]

    /// The mnemonic for `code`; codes without a standard mnemonic are written `[code]`.
    static func symbol(_ code: Int) -> String { symbols[code] ?? "[\(code)]" }

    /// Pseudo-annotation codes of the MIT format.
    static let skip = 59, num = 60, sub = 61, chn = 62, aux = 63
    /// `NOTE` (`"`): at sample 0 it carries file-level definitions rather than an event.
    static let note = 22
}
