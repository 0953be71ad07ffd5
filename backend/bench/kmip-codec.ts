/**
 * Codec throughput: decode + encode of the captured PyKMIP Sign request and response
 * (KMIP 1.2, RSA-2048 PKCS#1 v1.5 SHA-256), in messages per second, next to PyKMIP's own
 * `kmip.core.messages` RequestMessage/ResponseMessage read + write on the same bytes,
 * measured in the same run by a python3 subprocess (one after the other, never at the same
 * time, so they do not share the CPU).
 *
 * The JSON rows carry the same Sign messages as Cosmian JSON TTLV text (JSON.parse +
 * decodeJson + encodeJson + JSON.stringify); PyKMIP has no JSON codec, so their peer is
 * still its binary codec on the same message. Target: ≥ 10× PyKMIP.
 *
 * Run alone: `pnpm exec tsx bench/kmip-codec.ts`; or through `pnpm bench kmip-codec`.
 */
import { Buffer } from 'node:buffer';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { decodeBinary, encodeBinary } from '../src/kms/kmip/codec/binary.js';
import { decodeJson, encodeJson } from '../src/kms/kmip/codec/json.js';
import { formatRows } from './bench-row.js';
import type { BenchRow } from './bench-row.js';

const VECTORS = new URL('../src/kms/kmip/codec/__fixtures__/pykmip/', import.meta.url);
const REQUEST_VECTOR = 'v1_2_sign_pkcs1_sha256.request.hex';
const RESPONSE_VECTOR = 'v1_2_sign_pkcs1_sha256.response.hex';
const SECONDS_PER_ROW = 1.5;
const WARMUP_SECONDS = 0.3;
const TARGET = '≥ 10× PyKMIP kmip.core';

/** Debian's interpreter: a pyenv python3 earlier on PATH lacks the `kmip` module. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const PYKMIP_SCRIPT = String.raw`
import json, sys, time, warnings
warnings.filterwarnings("ignore")
from kmip.core.messages.messages import RequestMessage, ResponseMessage
from kmip.core.utils import BytearrayStream

seconds, warmup = float(sys.argv[1]), float(sys.argv[2])
cases = json.loads(sys.stdin.read())

def round_trip(cls, data):
    message = cls()
    message.read(BytearrayStream(data))
    out = BytearrayStream()
    message.write(out)
    return out.buffer

def rate(cls, data):
    if bytes(round_trip(cls, data)) != data:
        raise SystemExit("PyKMIP does not re-encode the vector byte-identically")
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        round_trip(cls, data)
    count, start = 0, time.perf_counter()
    while True:
        for _ in range(20):
            round_trip(cls, data)
        count += 20
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed

classes = {"request": RequestMessage, "response": ResponseMessage}
print(json.dumps({name: rate(classes[name], bytes.fromhex(hex_bytes)) for name, hex_bytes in cases.items()}))
`;

function readVector(name: string): Uint8Array {
  return new Uint8Array(Buffer.from(readFileSync(new URL(name, VECTORS), 'utf8').trim(), 'hex'));
}

/** Messages per second of `roundTrip`, run for `seconds` after a warm-up. */
function measure(roundTrip: () => number, seconds: number): number {
  let sink = 0;
  const warmupEnd = performance.now() + WARMUP_SECONDS * 1000;
  while (performance.now() < warmupEnd) sink += roundTrip();
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 200; i++) sink += roundTrip();
    count += 200;
    elapsed = performance.now() - start;
  } while (elapsed < seconds * 1000);
  if (sink < 0) throw new Error('unreachable: keeps the work observable');
  return count / (elapsed / 1000);
}

async function pykmipRates(request: Uint8Array, response: Uint8Array): Promise<{ request: number; response: number }> {
  const run = promisify(execFile);
  const child = run(PYTHON, ['-c', PYKMIP_SCRIPT, String(SECONDS_PER_ROW), String(WARMUP_SECONDS)], {
    timeout: 120_000,
  });
  child.child.stdin?.end(
    JSON.stringify({
      request: Buffer.from(request).toString('hex'),
      response: Buffer.from(response).toString('hex'),
    }),
  );
  let stdout: string;
  try {
    ({ stdout } = await child);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`PyKMIP peer failed (${PYTHON} with python3-pykmip is required): ${detail}`);
  }
  const parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
    request?: number;
    response?: number;
  };
  if (typeof parsed.request !== 'number' || typeof parsed.response !== 'number') {
    throw new Error(`PyKMIP peer printed no rates: ${stdout}`);
  }
  return { request: parsed.request, response: parsed.response };
}

function binaryRoundTrip(wire: Uint8Array): () => number {
  if (!Buffer.from(encodeBinary(decodeBinary(wire))).equals(Buffer.from(wire))) {
    throw new Error('our binary codec does not re-encode the vector byte-identically');
  }
  return () => encodeBinary(decodeBinary(wire)).length;
}

function jsonRoundTrip(wire: Uint8Array): () => number {
  const text = JSON.stringify(encodeJson(decodeBinary(wire)));
  if (JSON.stringify(encodeJson(decodeJson(JSON.parse(text)))) !== text) {
    throw new Error('our JSON codec does not re-encode the message identically');
  }
  return () => JSON.stringify(encodeJson(decodeJson(JSON.parse(text)))).length;
}

export async function runKmipCodecBench(): Promise<BenchRow[]> {
  const request = readVector(REQUEST_VECTOR);
  const response = readVector(RESPONSE_VECTOR);

  const ours = {
    binaryRequest: measure(binaryRoundTrip(request), SECONDS_PER_ROW),
    binaryResponse: measure(binaryRoundTrip(response), SECONDS_PER_ROW),
    jsonRequest: measure(jsonRoundTrip(request), SECONDS_PER_ROW),
    jsonResponse: measure(jsonRoundTrip(response), SECONDS_PER_ROW),
  };
  const peer = await pykmipRates(request, response);

  const row = (name: string, mine: number, theirs: number): BenchRow => ({
    name,
    ours: Math.round(mine),
    peer: Math.round(theirs),
    unit: 'msg/s',
    ratio: mine / theirs,
    target: TARGET,
  });
  return [
    row(`binary Sign request decode+encode (${request.length} B)`, ours.binaryRequest, peer.request),
    row(`binary Sign response decode+encode (${response.length} B)`, ours.binaryResponse, peer.response),
    row('JSON Sign request parse+decode+encode+stringify', ours.jsonRequest, peer.request),
    row('JSON Sign response parse+decode+encode+stringify', ours.jsonResponse, peer.response),
  ];
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const rows = await runKmipCodecBench();
  process.stdout.write(`${formatRows('KMIP codecs vs PyKMIP kmip.core', rows)}\n`);
}
