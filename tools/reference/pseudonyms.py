#!/usr/bin/env python3
"""Reference pseudonyms for a fixed test key (bytes 0..31), computed with Python's hmac/hashlib.

Writes Tests/Reference/pseudonyms.json; MedPipeDeidentifyTests checks Pseudonymizer against it.
"""
import hashlib
import hmac
import json
import os

KEY = bytes(range(32))


def mac(message: str) -> bytes:
    return hmac.new(KEY, message.encode("utf-8"), hashlib.sha256).digest()


def uid(value: str) -> str:
    return "2.25." + str(int.from_bytes(mac("uid:" + value)[:16], "big"))


def token(value: str, domain: str) -> str:
    bits = int.from_bytes(mac(domain + ":" + value)[:8], "big") >> 4  # first 60 bits
    return "P-" + "".join(
        "abcdefghijklmnopqrstuvwxyz234567"[(bits >> (55 - 5 * i)) & 31] for i in range(12))


def shift(patient: str) -> int:
    return -3650 + int.from_bytes(mac("date-shift:" + patient)[:8], "big") % 3286


fingerprint = mac("medpipe-key-fingerprint")[:8].hex()
uids = ["1.2.840.113619.2.55.3.604688119.868.1234567890.123", "1.3.6.1.4.1.5962.1.1.0.0.0.1", "0"]
values = ["PAT-0001", "Doe^John", "/data/ecg/100"]
out = {
    "key": list(KEY),
    "fingerprint": fingerprint,
    "uids": {u: uid(u) for u in uids},
    "tokens": [{"value": v, "domain": d, "token": token(v, d)} for v in values for d in ["patient", "group", "record", "source"]],
    "dateShifts": {v: shift(v) for v in values},
}
path = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Reference", "pseudonyms.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
print(fingerprint, out["uids"], out["tokens"][0], out["dateShifts"])
