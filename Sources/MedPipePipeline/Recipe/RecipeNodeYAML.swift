extension RecipeNode {
    /// Block YAML of this tree, each key and scalar plain when it is a simple word (`heart-mlp`, `0.5`) and
    /// double-quoted otherwise: parsing it gives the same tree (but for line numbers). Comments and styles of the
    /// text it was parsed from are not kept.
    public var yaml: String { lines(indent: 0).joined(separator: "\n") + "\n" }

    private func lines(indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .map(let pairs, _) where !pairs.isEmpty:
            return pairs.flatMap { key, value -> [String] in
                let head = pad + Self.quoted(key) + ":"
                if let inline = value.inline { return [head + " " + inline] }
                return [head] + value.lines(indent: indent + 2)
            }
        case .list(let items, _) where !items.isEmpty:
            return items.flatMap { item -> [String] in
                if let inline = item.inline { return [pad + "- " + inline] }
                var nested = item.lines(indent: indent + 2)
                nested[0] = pad + "- " + nested[0].dropFirst(indent + 2)
                return nested
            }
        default:
            return [pad + (inline ?? "")]
        }
    }

    /// A scalar or an empty collection, written on its key's or dash's line.
    private var inline: String? {
        switch self {
        case .scalar(let value, _): Self.quoted(value)
        case .map(let pairs, _) where pairs.isEmpty: "{}"
        case .list(let items, _) where items.isEmpty: "[]"
        default: nil
        }
    }

    /// `text` as it is when it is a word of letters, digits and `_ . + - /` not starting with `-`, which YAML reads
    /// back as the same plain scalar; otherwise double-quoted: backslash and quote escaped, and every character YAML
    /// does not allow as it is (C0 and C1 controls, DEL, the byte-order mark, U+FFFE/U+FFFF) written as an escape.
    private static func quoted(_ text: String) -> String {
        if let first = text.unicodeScalars.first, first != "-",
           text.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.+-/".unicodeScalars.contains($0)) }) {
            return text
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x00..<0x20, 0x7F..<0xA0, 0xFEFF, 0xFFFE, 0xFFFF:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
