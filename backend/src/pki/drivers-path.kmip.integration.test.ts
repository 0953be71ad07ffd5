/**
 * Issue 6: root → intermediate → leaf → CRL → OCSP with the `kmip` driver on a real PyKMIP
 * server, judged by openssl and certtool. RSA only, PKCS#1 v1.5 only: what the driver
 * declares for PyKMIP (no EC, no PSS). RSA-3072 for the root, not 4096: PyKMIP generates
 * a 4096-bit pair in tens of seconds.
 *
 * The witness is PyKMIP's own Python client (ProxyKmipClient), with the same client
 * certificate, so the same owner: it reads the key's attributes, signs with it, and fetches
 * its private half (PyKMIP hands it to its owner) so the test can look for it in our files.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, expect } from 'vitest';

import { isPyKmipInstalled, startPyKmip } from '../../test/harness/pykmip.js';
import type { PyKmipServer } from '../../test/harness/pykmip.js';
import { describeDriverPath, tool } from '../../test/harness/drivers-path.js';
import type { CaKeyUnderTest } from '../../test/harness/drivers-path.js';

const NAMESPACE = 'drivers-path-kmip';

/** PyKMIP's client, not ours: `mode` is attributes | sign | secrets. */
const PYKMIP_WITNESS = `
import json, sys
from cryptography.hazmat.primitives.serialization import load_der_private_key
from kmip.core import enums
from kmip.pie.client import ProxyKmipClient

host, port, cert, key, ca, mode, uid = sys.argv[1:8]
client = ProxyKmipClient(hostname=host, port=int(port), cert=cert, key=key, ca=ca, config_file='/dev/null')
with client:
    if mode == 'attributes':
        _, attributes = client.get_attributes(uid, ['State', 'Name', 'Object Type', 'Cryptographic Algorithm', 'Cryptographic Length'])
        out = {}
        for attribute in attributes:
            name = attribute.attribute_name.value
            value = attribute.attribute_value
            if name == 'Name':
                value = value.name_value.value
            elif hasattr(value, 'value'):
                value = value.value
            out[name] = value.name if hasattr(value, 'name') else value
        print(json.dumps(out))
    elif mode == 'sign':
        data_path, signature_path, digest = sys.argv[8:11]
        hashing = {'sha256': enums.HashingAlgorithm.SHA_256, 'sha384': enums.HashingAlgorithm.SHA_384, 'sha512': enums.HashingAlgorithm.SHA_512}[digest]
        with open(data_path, 'rb') as data:
            signature = client.sign(data.read(), uid=uid, cryptographic_parameters={
                'cryptographic_algorithm': enums.CryptographicAlgorithm.RSA,
                'padding_method': enums.PaddingMethod.PKCS1v15,
                'hashing_algorithm': hashing,
            })
        with open(signature_path, 'wb') as out:
            out.write(signature)
    elif mode == 'secrets':
        numbers = load_der_private_key(client.get(uid).value, password=None).private_numbers()
        width = lambda n: (n.bit_length() + 7) // 8
        print(json.dumps([n.to_bytes(width(n), 'big').hex() for n in (numbers.d, numbers.p, numbers.q)]))
`;

let server: PyKmipServer;

async function pykmipWitness(
  mode: 'attributes' | 'sign' | 'secrets',
  key: CaKeyUnderTest,
  ...rest: string[]
): Promise<string> {
  const result = await tool('/usr/bin/python3', [
    '-c',
    PYKMIP_WITNESS,
    server.host,
    String(server.port),
    join(server.directory, 'client.crt'),
    join(server.directory, 'client.key'),
    join(server.directory, 'ca.crt'),
    mode,
    key.privateKeyRef,
    ...rest,
  ]);
  expect(result.status, result.output).toBe(0);
  return result.output;
}

beforeAll(async () => {
  if (isPyKmipInstalled()) server = await startPyKmip();
});
afterAll(async () => {
  await server?.stop();
});

describeDriverPath({
  backend: 'kmip',
  unavailableReason: isPyKmipInstalled() ? undefined : 'PyKMIP is not installed: apt-get install python3-pykmip',
  cases: [{ rootAlgorithm: 'rsa-3072', intermediateAlgorithm: 'rsa-2048', leafKey: 'ec:P-256' }],
  witness: () => ({
    env: {
      PKI_KMS_BACKEND: 'kmip',
      PKI_KMS_NAMESPACE: NAMESPACE,
      PKI_KMIP_HOST: server.host,
      PKI_KMIP_PORT: String(server.port),
      PKI_KMIP_CA: join(server.directory, 'ca.crt'),
      PKI_KMIP_CERT: join(server.directory, 'client.crt'),
      PKI_KMIP_KEY: join(server.directory, 'client.key'),
    },
    async inspect(key) {
      const attributes: unknown = JSON.parse(await pykmipWitness('attributes', key));
      expect(attributes).toEqual({
        State: 'ACTIVE',
        Name: `${NAMESPACE}/${key.label}`,
        'Object Type': 'PRIVATE_KEY',
        'Cryptographic Algorithm': 'RSA',
        'Cryptographic Length': Number(key.algorithm.slice('rsa-'.length)),
      });
    },
    async signOutside(key, dataFile, signatureFile) {
      await pykmipWitness('sign', key, dataFile, signatureFile, key.digest);
    },
    async secretsOf(key) {
      const secrets = JSON.parse(await pykmipWitness('secrets', key)) as string[];
      return secrets.map((hex) => Buffer.from(hex, 'hex'));
    },
    async countSignOperations() {
      const log = await readFile(server.logPath, 'utf8');
      return log.match(/Processing operation: Sign$/gm)?.length ?? 0;
    },
  }),
});
