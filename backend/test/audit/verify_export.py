#!/usr/bin/env python3
"""An independent verifier of a PKI Manager NDJSON audit export.

Written from docs/AUDIT.md alone (sections 2, 3, 5, 6 and 7), with nothing but the
Python standard library and the openssl command for signatures, so that it shares no
code with the server it checks.

    verify_export.py EXPORT.ndjson SIGNER.pem

Exit 0 and "intact: N rows, M checkpoints" when the export is intact; exit 1 and
"line L: <why>" at the first fault.
"""
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile

GENESIS = "0" * 64


ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def jcs_string(text):
    """RFC 8785 3.2.2.2: ECMAScript JSON.stringify of a string."""
    out = []
    for ch in text:
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def jcs_number(value):
    """ECMAScript Number.prototype.toString for the numbers a row can hold."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError("non-finite number")
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        exponent = exponent.lstrip("+-").lstrip("0") or "0"
        if mantissa.endswith(".0"):
            mantissa = mantissa[:-2]
        return "%se%s%s" % (mantissa, sign, exponent)
    return text


def jcs(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return jcs_string(value)
    if isinstance(value, (int, float)):
        return jcs_number(value)
    if isinstance(value, list):
        return "[" + ",".join(jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value.keys(), key=lambda key: key.encode("utf-16-be"))
        return "{" + ",".join(jcs_string(key) + ":" + jcs(value[key]) for key in keys) + "}"
    raise ValueError("not JSON")


def row_hash(row):
    fields = [
        "1",
        str(row["seq"]),
        jcs(row["id"]),
        str(row["timestamp"]),
        jcs(row["actor"]),
        jcs(row["operation"]),
        jcs(row["entityType"]),
        jcs(row["entityId"]),
        jcs(row["status"]),
        jcs(row["details"]),
        jcs(row["kmsOperationId"]),
        jcs(row["requestId"]),
        jcs(row["prevHash"]),
    ]
    canonical = "[" + ",".join(fields) + "]"
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def statement(seq, digest, time):
    return "pki-manager audit checkpoint v1\nseq=%d\nhash=%s\ntime=%s\n" % (seq, digest, time)


def certificate_fingerprint_and_key(signer_pem, workdir):
    der = subprocess.run(
        ["openssl", "x509", "-in", signer_pem, "-outform", "DER"], check=True, capture_output=True
    ).stdout
    public_pem = os.path.join(workdir, "signer-public.pem")
    subprocess.run(
        ["openssl", "x509", "-in", signer_pem, "-pubkey", "-noout", "-out", public_pem], check=True
    )
    return hashlib.sha256(der).hexdigest(), public_pem


def signature_verifies(public_pem, text, signature_b64, workdir):
    import base64

    statement_path = os.path.join(workdir, "statement.txt")
    signature_path = os.path.join(workdir, "signature.der")
    with open(statement_path, "wb") as handle:
        handle.write(text.encode("utf-8"))
    with open(signature_path, "wb") as handle:
        handle.write(base64.b64decode(signature_b64))
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", public_pem, "-signature", signature_path, statement_path],
        capture_output=True,
    )
    return result.returncode == 0


def verify(export_path, signer_pem):
    with tempfile.TemporaryDirectory() as workdir:
        fingerprint, public_pem = certificate_fingerprint_and_key(signer_pem, workdir)
        hashes = {}
        first = None
        previous = None
        rows = 0
        checkpoints = 0
        last_is_covering_checkpoint = False
        line_number = 0
        with open(export_path, encoding="utf-8") as handle:
            for raw in handle:
                if raw.strip() == "":
                    continue
                line_number += 1
                try:
                    item = json.loads(raw)
                except ValueError:
                    return line_number, "not JSON"
                kind = item.get("type") if isinstance(item, dict) else None
                if kind == "row":
                    last_is_covering_checkpoint = False
                    if previous is None:
                        first = item
                        if item["seq"] == 1 and item["prevHash"] != GENESIS:
                            return line_number, "row 1 does not start the chain"
                    else:
                        if item["seq"] != previous["seq"] + 1:
                            return line_number, "row %d is missing" % (previous["seq"] + 1)
                        if item["prevHash"] != previous["hash"]:
                            return line_number, "row %d does not follow row %d" % (item["seq"], previous["seq"])
                    if row_hash(item) != item["hash"]:
                        return line_number, "row %d was changed after it was written" % item["seq"]
                    hashes[item["seq"]] = item["hash"]
                    rows += 1
                    previous = item
                elif kind == "checkpoint":
                    checkpoints += 1
                    seq = item["seq"]
                    if item["statement"] != statement(seq, item["hash"], item["time"]):
                        return line_number, "checkpoint %d does not carry its own statement" % seq
                    if item["signer"] != fingerprint:
                        return line_number, "checkpoint %d is signed by another signer" % seq
                    if not signature_verifies(public_pem, item["statement"], item["signature"], workdir):
                        return line_number, "checkpoint %d has a signature that does not verify" % seq
                    covered = hashes.get(seq)
                    if covered is None and first is not None and seq == first["seq"] - 1:
                        covered = first["prevHash"]
                    if covered != item["hash"]:
                        return line_number, "row %d is not the row checkpoint %d signed" % (seq, seq)
                    last_is_covering_checkpoint = previous is not None and seq == previous["seq"]
                else:
                    return line_number, "neither a row nor a checkpoint"
        if previous is None:
            return line_number, "the file holds no rows"
        if not last_is_covering_checkpoint:
            return line_number, "the file does not end with a checkpoint covering its last row"
        return None, "intact: %d rows, %d checkpoints" % (rows, checkpoints)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: verify_export.py EXPORT.ndjson SIGNER.pem\n")
        return 2
    line, message = verify(sys.argv[1], sys.argv[2])
    if line is None:
        print(message)
        return 0
    print("line %d: %s" % (line, message))
    return 1


if __name__ == "__main__":
    sys.exit(main())
