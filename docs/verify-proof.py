#!/usr/bin/env python3
"""Checks one event's proof from GET /v1/analytics/logs/{log_id}/proof without trusting lakelog.

    python3 docs/verify-proof.py proof.json --public-key anchor-ed25519.pub     # local anchor
    aws kms get-public-key --key-id "$ANCHOR_KEY" --query PublicKey --output text > anchor-kms.pub
    python3 docs/verify-proof.py proof.json --public-key anchor-kms.pub         # AWS anchor (KMS)

Needs only python3's standard library and the openssl command (for the signature: Ed25519 locally,
KMS ECDSA_SHA_256 or RSASSA_PKCS1_V1_5_SHA_256 in AWS). The key file is base64 of the X.509
SubjectPublicKeyInfo (what both anchor-ed25519.pub and KMS GetPublicKey give) or a PEM file.
Pass the anchor's public key from a copy you keep yourself (the proof carries one too, but a
forger would put their own there; without --public-key the fingerprint is printed for you to
compare). The layout it recomputes is documented in docs/integrity.md. Exit 0 when every step
holds, 1 with the step that failed.
"""
import argparse, base64, hashlib, json, os, struct, subprocess, sys, tempfile

COLUMNS = [  # (name, kind) in table order: S = VARCHAR, T = TIMESTAMPTZ (epoch microseconds), L = VARCHAR[]
    ("tenant_id", "S"), ("log_id", "S"), ("timestamp", "T"), ("event_type", "S"), ("outcome", "S"), ("severity", "S"),
    ("sensitivity", "S"), ("actor_id", "S"), ("component", "S"), ("environment", "S"), ("resource", "S"), ("message", "S"),
    ("payload", "S"), ("policy_tags", "L"), ("session_id", "S"), ("request_id", "S"), ("source_ip", "S"),
    ("retention_until", "T"), ("ingested_at", "T"), ("archived_at", "T"), ("segment_key", "S"), ("trace_id", "S"), ("span_id", "S")]


def enc_string(s):
    b = s.encode("utf-8")
    return b"\x01" + struct.pack(">I", len(b)) + b


def canonical(row):
    out = b"lakelog.row.v1"
    for name, kind in COLUMNS:
        v = row.get(name)
        if v is None:
            out += b"\x00"
        elif kind == "S":
            out += enc_string(v)
        elif kind == "T":
            out += b"\x02" + struct.pack(">q", v)
        else:
            out += b"\x03" + struct.pack(">I", len(v)) + b"".join(b"\x00" if x is None else enc_string(x) for x in v)
    return out


def sha(b):
    return hashlib.sha256(b).digest()


def fail(step, why):
    print("FAILED at %s: %s" % (step, why))
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("proof")
    ap.add_argument("--public-key", help="anchor-ed25519.pub (base64 of the X.509 public key) from your own copy")
    a = ap.parse_args()
    p = json.load(open(a.proof, encoding="utf-8"))

    row_hash = sha(canonical(p["row"]))
    if row_hash.hex() != p["row_hash"]:
        fail("1 row hash", "the row's canonical hash is %s, the proof says %s" % (row_hash.hex(), p["row_hash"]))
    print("1. row hash      %s (recomputed from the row's columns)" % row_hash.hex())

    h = sha(b"\x00" + row_hash)
    for step in p["merkle_path"]:
        sib = bytes.fromhex(step["hash"])
        h = sha(b"\x01" + sib + h) if step["side"] == "left" else sha(b"\x01" + h + sib)
    lane = p.get("lane_entries")
    adding = lane[0] if lane else p["entries"][0]
    first = json.loads(adding["entry"])
    name = ("entry %d of tenant %s's lane" % (first["seq"], p["lane"])) if lane else ("entry %d" % first["seq"])
    recorded = [f for f in first["files_added"] if f["path"] == p["file"]]
    if not recorded:
        fail("2 merkle root", "%s does not add file %s" % (name, p["file"]))
    if recorded[0]["rows_root"] != h.hex():
        fail("2 merkle root", "the path leads to %s, %s recorded %s" % (h.hex(), name, recorded[0]["rows_root"]))
    print("2. merkle root   %s = rows_root of %s in %s (%d steps)" % (h.hex(), p["file"], name, len(p["merkle_path"])))

    if lane:
        # the tenant's lane (layout v2): its entries link from the one that added the file to the
        # lane head that the first lake entry below (a seal) recorded
        prev = None
        for e in lane:
            text = json.loads(e["entry"])
            if prev is not None and e["prev_hash"] != prev:
                fail("3 lane", "lane entry %d does not link to lane entry %d" % (e["seq"], e["seq"] - 1))
            if text["seq"] != e["seq"] or text.get("lane") != p["lane"]:
                fail("3 lane", "lane entry %d's text names another sequence number or lane" % e["seq"])
            link = sha(bytes.fromhex(e["prev_hash"]) + e["entry"].encode("utf-8")).hex()
            if link != e["chain_hash"]:
                fail("3 lane", "lane entry %d's chain hash does not match its content" % e["seq"])
            prev = link
        seal = json.loads(p["entries"][0]["entry"])
        if not any(l["lane"] == p["lane"] and l["seq"] == lane[-1]["seq"] and l["chain_hash"] == prev for l in seal.get("lanes", [])):
            fail("3 lane", "lake entry %d does not seal lane entry %d with %s" % (seal["seq"], lane[-1]["seq"], prev))
        print("3. lane          %s's entries %d..%d recomputed, sealed by lake entry %d"
              % (p["lane"], lane[0]["seq"], lane[-1]["seq"], seal["seq"]))

    prev = None
    for e in p["entries"]:
        if prev is not None and e["prev_hash"] != prev:
            fail("3 chain", "entry %d does not link to entry %d" % (e["seq"], e["seq"] - 1))
        if json.loads(e["entry"])["seq"] != e["seq"]:
            fail("3 chain", "entry %d's text names another sequence number" % e["seq"])
        link = sha(bytes.fromhex(e["prev_hash"]) + e["entry"].encode("utf-8")).hex()
        if link != e["chain_hash"]:
            fail("3 chain", "entry %d's chain hash does not match its content" % e["seq"])
        prev = link
    last = p["entries"][-1]
    anchor = p["anchor"]
    if last["seq"] != anchor["seq"] or prev != anchor["chain_hash"]:
        fail("3 chain", "the chain ends at entry %d with %s, the anchor signed entry %d with %s"
             % (last["seq"], prev, anchor["seq"], anchor["chain_hash"]))
    print("3. chain         entries %d..%d recomputed, head %s" % (p["entries"][0]["seq"], last["seq"], prev))

    message = "lakelog-anchor-v1\n%d\n%s\n%s" % (anchor["seq"], anchor["chain_hash"], anchor["at"])
    key_text = open(a.public_key).read().strip() if a.public_key else anchor["public_key"]
    if key_text.startswith("-----BEGIN"):
        key_text = "".join(l for l in key_text.splitlines() if not l.startswith("-----"))
    der = base64.b64decode(key_text)
    algorithm = anchor.get("algorithm", "Ed25519")
    if algorithm == "Ed25519":
        verify = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "{pem}", "-rawin", "-in", "{msg}", "-sigfile", "{sig}"]
    elif algorithm in ("ECDSA_SHA_256", "RSASSA_PKCS1_V1_5_SHA_256"):
        # KMS signs the SHA-256 of the message (MessageType RAW); ECDSA signatures are DER, as openssl reads them
        verify = ["openssl", "dgst", "-sha256", "-verify", "{pem}", "-signature", "{sig}", "{msg}"]
    else:
        fail("4 signature", "unknown signature algorithm %r" % algorithm)
    with tempfile.TemporaryDirectory() as d:
        pem, msg, sig = (os.path.join(d, n) for n in ("pub.pem", "msg", "sig"))
        with open(pem, "w") as f:
            f.write("-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(der).decode() + "-----END PUBLIC KEY-----\n")
        with open(msg, "wb") as f:
            f.write(message.encode("utf-8"))
        with open(sig, "wb") as f:
            f.write(base64.b64decode(anchor["signature"]))
        r = subprocess.run([x.format(pem=pem, msg=msg, sig=sig) for x in verify], capture_output=True, text=True)
    if r.returncode != 0:
        fail("4 signature", "openssl: " + (r.stdout + r.stderr).strip())
    print("4. signature     %s over the head verified by openssl (key sha256:%s%s)"
          % (algorithm, hashlib.sha256(der).hexdigest(), "" if a.public_key else ", taken from the proof: compare it with your copy"))
    print("OK: event %s of tenant %s is in the lake as committed and anchored at %s" % (p["row"]["log_id"], p["row"]["tenant_id"], anchor["at"]))


if __name__ == "__main__":
    main()
