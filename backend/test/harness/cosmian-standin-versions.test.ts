/**
 * Keeps the stand-in following Cosmian version by version (issue 14): each fact of
 * cosmian-standin/server-versions.ts is checked on both sides of the release that changed it,
 * with bare operations on `/kmip/2_1` as Cosmian's own vector runner posts them, and
 * signatures checked with node:crypto.
 */
import { constants, createHash, createPublicKey, verify } from 'node:crypto';

import { afterEach, describe, expect, it } from 'vitest';

import { startCosmianStandIn } from './cosmian-standin.js';
import type { CosmianStandIn, CosmianStandInOptions } from './cosmian-standin.js';

interface Node {
  tag: string;
  type?: string;
  value: unknown;
}

let kms: CosmianStandIn | undefined;
afterEach(async () => {
  await kms?.stop();
  kms = undefined;
});

async function serve(options: CosmianStandInOptions): Promise<CosmianStandIn> {
  kms = await startCosmianStandIn(options);
  return kms;
}

async function bare(server: CosmianStandIn, body: unknown): Promise<{ status: number; text: string; node: Node }> {
  const response = await fetch(`${server.url}/kmip/2_1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, node: response.status === 200 ? (JSON.parse(text) as Node) : ({} as Node) };
}

const node = (tag: string, type: string, value: unknown): Node => ({ tag, type, value });
const struct = (tag: string, value: Node[]): Node => ({ tag, value });

function find(root: Node, tag: string): Node | undefined {
  if (root.tag === tag) return root;
  if (!Array.isArray(root.value)) return undefined;
  for (const entry of root.value as Node[]) {
    const hit = find(entry, tag);
    if (hit) return hit;
  }
  return undefined;
}

function findAll(root: Node, tag: string): Node[] {
  return Array.isArray(root.value) ? (root.value as Node[]).filter((entry) => entry.tag === tag) : [];
}

const activeNow = () => node('ActivationDate', 'DateTime', new Date(Date.now() - 60_000).toISOString());

async function createPair(server: CosmianStandIn, common: Node[], privateSide: Node[] = []) {
  const answer = await bare(server, {
    tag: 'CreateKeyPair',
    value: [
      struct('CommonAttributes', [activeNow(), ...common]),
      struct('PrivateKeyAttributes', [node('CryptographicUsageMask', 'Integer', 1), ...privateSide]),
      struct('PublicKeyAttributes', [node('CryptographicUsageMask', 'Integer', 2)]),
    ],
  });
  return {
    ...answer,
    privateUid: find(answer.node, 'PrivateKeyUniqueIdentifier')?.value as string,
    publicUid: find(answer.node, 'PublicKeyUniqueIdentifier')?.value as string,
  };
}

const ec = (curve: string) => [
  node('CryptographicAlgorithm', 'Enumeration', 'EC'),
  struct('CryptographicDomainParameters', [node('RecommendedCurve', 'Enumeration', curve)]),
];

async function publicKeyOf(server: CosmianStandIn, publicUid: string) {
  const got = await bare(server, {
    tag: 'Get',
    value: [node('UniqueIdentifier', 'TextString', publicUid), node('KeyFormatType', 'Enumeration', 'PKCS8')],
  });
  const der = Buffer.from(find(got.node, 'KeyMaterial')?.value as string, 'hex');
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

async function signWith(server: CosmianStandIn, uid: string, parameters: Node[], input: Node) {
  const signed = await bare(server, {
    tag: 'Sign',
    value: [node('UniqueIdentifier', 'TextString', uid), struct('CryptographicParameters', parameters), input],
  });
  const signature = (find(signed.node, 'SignatureData')?.value as string | undefined) ?? '';
  return { ...signed, signature: Buffer.from(signature, 'hex') };
}

/** Revoke with Cascade, so the public key follows. */
function revokeKey(server: CosmianStandIn, uid: string, code: string) {
  return bare(server, {
    tag: 'Revoke',
    value: [
      node('UniqueIdentifier', 'TextString', uid),
      struct('RevocationReason', [node('RevocationReasonCode', 'Enumeration', code)]),
      node('Cascade', 'Boolean', true),
    ],
  });
}

const MESSAGE = Buffer.from('to be signed by the stand-in');
const hex = (bytes: Buffer) => bytes.toString('hex').toUpperCase();

describe('stand-in by version: /version and /health (5.15)', () => {
  it('before 5.15 serves /version behind the token and has no /health', async () => {
    const server = await serve({ version: '5.14.1', apiToken: 'dG9rZW4=' });
    expect((await fetch(`${server.url}/version`)).status).toBe(401);
    const withToken = await fetch(`${server.url}/version`, { headers: { authorization: 'Bearer dG9rZW4=' } });
    expect(await withToken.json()).toMatch(/^5\.14\.1 \(OpenSSL .+-non-FIPS\)$/);
    expect((await fetch(`${server.url}/health`)).status).toBe(404);
  });

  it('from 5.15 serves both without the token, and names a FIPS build', async () => {
    const server = await serve({ version: '5.15.0', apiToken: 'dG9rZW4=', build: 'FIPS' });
    expect(await (await fetch(`${server.url}/version`)).json()).toMatch(/^5\.15\.0 \(OpenSSL .+-FIPS\)$/);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('answers 401 once the token is revoked', async () => {
    const server = await serve({ apiToken: 'dG9rZW4=' });
    const query = { tag: 'Query', value: [node('QueryFunction', 'Enumeration', 'QueryServerInformation')] };
    const headers = { authorization: 'Bearer dG9rZW4=' };
    const send = () => fetch(`${server.url}/kmip/2_1`, { method: 'POST', headers, body: JSON.stringify(query) });
    expect((await send()).status).toBe(200);
    server.revokeToken();
    expect((await send()).status).toBe(401);
  });
});

describe('stand-in by version: RSA-PSS hash (5.13)', () => {
  it.each([
    { version: '5.12.1', signedWith: 'sha256' },
    { version: '5.13.0', signedWith: 'sha384' },
  ])('PSS with HashingAlgorithm SHA384 on $version is a $signedWith signature', async ({ version, signedWith }) => {
    const server = await serve({ version });
    const pair = await createPair(server, [
      node('CryptographicAlgorithm', 'Enumeration', 'RSA'),
      node('CryptographicLength', 'Integer', 2048),
    ]);
    const { signature } = await signWith(
      server,
      pair.privateUid,
      [
        node('DigitalSignatureAlgorithm', 'Enumeration', 'RSASSAPSS'),
        node('HashingAlgorithm', 'Enumeration', 'SHA384'),
      ],
      node('Data', 'ByteString', hex(MESSAGE)),
    );
    const key = await publicKeyOf(server, pair.publicUid);
    const pss = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO };
    expect(verify(signedWith, MESSAGE, pss, signature)).toBe(true);
  });
});

describe('stand-in by version: ECDSA over DigestedData (5.14.1, 5.26)', () => {
  it.each([
    { version: '5.25.0', build: 'non-FIPS', curve: 'P384', isValid: false },
    { version: '5.26.0', build: 'non-FIPS', curve: 'P384', isValid: true },
    { version: '5.25.0', build: 'FIPS', curve: 'P256', isValid: false },
    { version: '5.25.0', build: 'non-FIPS', curve: 'P256', isValid: true },
    { version: '5.14.0', build: 'non-FIPS', curve: 'P256', isValid: false },
  ] as const)(
    '$curve on $version $build signs the digest as given: $isValid',
    async ({ version, build, curve, isValid }) => {
      const server = await serve({ version, build });
      const pair = await createPair(server, ec(curve));
      const { signature } = await signWith(
        server,
        pair.privateUid,
        [node('DigitalSignatureAlgorithm', 'Enumeration', 'ECDSAWithSHA256')],
        node('DigestedData', 'ByteString', hex(createHash('sha256').update(MESSAGE).digest())),
      );
      const key = await publicKeyOf(server, pair.publicUid);
      expect(verify('sha256', MESSAGE, { key, dsaEncoding: 'der' }, signature)).toBe(isValid);
    },
  );

  it('hashes P-256 Data with SHA-256 whatever the DSA says on non-FIPS 5.14.1+, with the DSA hash on FIPS', async () => {
    for (const [build, hash] of [
      ['non-FIPS', 'sha256'],
      ['FIPS', 'sha384'],
    ] as const) {
      const server = await serve({ version: '5.25.0', build });
      const pair = await createPair(server, ec('P256'));
      const { signature } = await signWith(
        server,
        pair.privateUid,
        [node('DigitalSignatureAlgorithm', 'Enumeration', 'ECDSAWithSHA384')],
        node('Data', 'ByteString', hex(MESSAGE)),
      );
      const key = await publicKeyOf(server, pair.publicUid);
      expect(verify(hash, MESSAGE, { key, dsaEncoding: 'der' }, signature)).toBe(true);
      await server.stop();
      kms = undefined;
    }
  });
});

describe('stand-in by version: Sign refusals (5.24, 5.25)', () => {
  it.each([
    ['5.23.0', 'Item_Not_Found: sign: no valid private key for id: ghost'],
    ['5.24.0', 'Item_Not_Found: Sign: no valid key for id: ghost'],
  ])('an unknown key on %s', async (version, text) => {
    const server = await serve({ version });
    const answer = await signWith(server, 'ghost', [], node('Data', 'ByteString', '00'));
    expect(answer).toMatchObject({ status: 422, text });
  });

  it.each([
    ['5.24.0', /^Item_Not_Found: Sign: no valid key for id: /],
    ['5.25.0', /^Permission_Denied: Sign: key .+ is in state Deactivated but operation requires one of \[Active\]$/],
  ])('a revoked key on %s', async (version, text) => {
    const server = await serve({ version });
    const pair = await createPair(server, ec('P256'));
    await revokeKey(server, pair.privateUid, 'Superseded');
    const answer = await signWith(server, pair.privateUid, [], node('Data', 'ByteString', '00'));
    expect(answer.status).toBe(422);
    expect(answer.text).toMatch(text);
  });
});

describe('stand-in by version: Get of a revoked key (5.13)', () => {
  it.each([
    ['5.12.0', 422, /^Object_Not_Found: /],
    ['5.13.0', 200, /GetResponse/],
  ])('a Compromised key on %s', async (version, status, text) => {
    const server = await serve({ version });
    const pair = await createPair(server, ec('P256'));
    await revokeKey(server, pair.privateUid, 'KeyCompromise');
    const got = await bare(server, {
      tag: 'Get',
      value: [node('UniqueIdentifier', 'TextString', pair.publicUid), node('KeyFormatType', 'Enumeration', 'PKCS8')],
    });
    expect(got.status).toBe(status);
    expect(got.text).toMatch(text);
  });
});

describe('stand-in: CreateKeyPair reads size, curve and tags from CommonAttributes only', () => {
  it('an RSA size only in PrivateKeyAttributes is 422 "Invalid Request: RSA key size: error"', async () => {
    const server = await serve({});
    const answer = await createPair(
      server,
      [node('CryptographicAlgorithm', 'Enumeration', 'RSA')],
      [node('CryptographicLength', 'Integer', 3072)],
    );
    expect(answer).toMatchObject({ status: 422, text: 'Invalid Request: RSA key size: error' });
  });

  it('a curve only in PrivateKeyAttributes gives a P-256 key', async () => {
    const server = await serve({});
    const pair = await createPair(
      server,
      [node('CryptographicAlgorithm', 'Enumeration', 'EC')],
      [struct('CryptographicDomainParameters', [node('RecommendedCurve', 'Enumeration', 'P384')])],
    );
    const key = await publicKeyOf(server, pair.publicUid);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });
});

describe('stand-in: Locate, GetAttributes, DiscoverVersions, Query and unreadable bodies', () => {
  const tag = (vendor: string, tags: string[]) =>
    struct('Attribute', [
      node('VendorIdentification', 'TextString', vendor),
      node('AttributeName', 'TextString', 'tag'),
      node('AttributeValue', 'TextString', JSON.stringify(tags)),
    ]);
  const locate = (server: CosmianStandIn, extra: Node[]) =>
    bare(server, {
      tag: 'Locate',
      value: [
        ...extra,
        struct('Attributes', [node('ObjectType', 'Enumeration', 'PrivateKey'), tag('cosmian', ['many'])]),
      ],
    });

  it.each([
    { version: '5.20.0', located: 1003 },
    { version: '5.21.0', located: 1000 },
  ])(
    'Locate on $version: cap, truncated count, offset ignored',
    async ({ version, located }) => {
      const server = await serve({ version });
      for (let index = 0; index < 1003; index += 1) await createPair(server, [...ec('P256'), tag('cosmian', ['many'])]);
      const all = await locate(server, [node('MaximumItems', 'Integer', 5000)]);
      expect(find(all.node, 'LocatedItems')?.value).toBe(located);
      expect(findAll(all.node, 'UniqueIdentifier')).toHaveLength(located);
      const offset = await locate(server, [node('OffsetItems', 'Integer', 10), node('MaximumItems', 'Integer', 3)]);
      expect(findAll(offset.node, 'UniqueIdentifier')).toEqual(findAll(all.node, 'UniqueIdentifier').slice(0, 3));
    },
    60_000,
  );

  it('tags only with its own vendor id (5.17+): another vendor matches nothing', async () => {
    const server = await serve({ version: '5.26.0', vendorId: 'acme' });
    await createPair(server, [...ec('P256'), tag('cosmian', ['mine'])]);
    await createPair(server, [...ec('P256'), tag('acme', ['mine'])]);
    const byCosmian = await bare(server, {
      tag: 'Locate',
      value: [struct('Attributes', [node('ObjectType', 'Enumeration', 'PrivateKey'), tag('cosmian', ['mine'])])],
    });
    expect(find(byCosmian.node, 'LocatedItems')?.value).toBe(0);
    const byAcme = await bare(server, {
      tag: 'Locate',
      value: [struct('Attributes', [node('ObjectType', 'Enumeration', 'PrivateKey'), tag('acme', ['mine'])])],
    });
    expect(find(byAcme.node, 'LocatedItems')?.value).toBe(1);
    const query = await bare(server, {
      tag: 'Query',
      value: [node('QueryFunction', 'Enumeration', 'QueryServerInformation')],
    });
    expect(find(query.node, 'VendorIdentification')?.value).toBe('acme');
  });

  it('Query says "Cosmian" before 5.17', async () => {
    const server = await serve({ version: '5.16.0' });
    const query = await bare(server, {
      tag: 'Query',
      value: [node('QueryFunction', 'Enumeration', 'QueryServerInformation')],
    });
    expect(find(query.node, 'VendorIdentification')?.value).toBe('Cosmian');
  });

  it('GetAttributes leaves the tag attribute out unless asked for it', async () => {
    const server = await serve({});
    const pair = await createPair(server, [...ec('P256'), tag('cosmian', ['mine'])]);
    const uid = node('UniqueIdentifier', 'TextString', pair.privateUid);
    const all = await bare(server, { tag: 'GetAttributes', value: [uid] });
    expect(find(all.node, 'Attribute')).toBeUndefined();
    const asked = await bare(server, {
      tag: 'GetAttributes',
      value: [
        uid,
        struct('AttributeReference', [
          node('VendorIdentification', 'TextString', 'cosmian'),
          node('AttributeName', 'TextString', 'tag'),
        ]),
      ],
    });
    expect(find(find(asked.node, 'Attribute') as Node, 'AttributeValue')?.value).toBe('["mine","_sk"]');
  });

  it('DiscoverVersions answers the intersection with the client list', async () => {
    const server = await serve({});
    const version = (major: number, minor: number) =>
      struct('ProtocolVersion', [
        node('ProtocolVersionMajor', 'Integer', major),
        node('ProtocolVersionMinor', 'Integer', minor),
      ]);
    const answer = await bare(server, { tag: 'DiscoverVersions', value: [version(9, 9), version(1, 4)] });
    expect(findAll(answer.node, 'ProtocolVersion')).toEqual([version(1, 4)]);
    const all = await bare(server, { tag: 'DiscoverVersions', value: [] });
    expect(findAll(all.node, 'ProtocolVersion')).toHaveLength(7);
  });

  it('answers a body that is not JSON with 422 "Invalid Request: …"', async () => {
    const server = await serve({});
    const answer = await bare(server, 'not json');
    expect(answer.status).toBe(422);
    expect(answer.text).toMatch(/^Invalid Request: /);
  });
});
