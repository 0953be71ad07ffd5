/**
 * Keeps the Cosmian stand-in honest: it must accept Cosmian's own 5.x request vectors and
 * answer in the shape of Cosmian's recorded responses (`cosmian-standin/__fixtures__/`,
 * PROVENANCE.md there), and follow the lifecycle and error rules of the 5.26 server code.
 */
import { constants as cryptoConstants, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startCosmianStandIn } from './cosmian-standin.js';
import type { CosmianStandIn } from './cosmian-standin.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./cosmian-standin/__fixtures__/${name}`, import.meta.url), 'utf8')) as unknown;

/** Fills the vector runner's `{{placeholders}}` as Cosmian's vector_runner.rs does. */
function withPlaceholders(vector: unknown, values: Record<string, string>): unknown {
  return JSON.parse(
    JSON.stringify(vector).replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? `{{${name}}}`),
  ) as unknown;
}

/** vector_runner.rs wrap_in_request_message: ProtocolVersion 2.1, BatchCount 1. */
function inRequestMessage(operation: { tag: string; value: unknown }): unknown {
  return {
    tag: 'RequestMessage',
    value: [
      {
        tag: 'RequestHeader',
        value: [
          {
            tag: 'ProtocolVersion',
            value: [
              { tag: 'ProtocolVersionMajor', type: 'Integer', value: 2 },
              { tag: 'ProtocolVersionMinor', type: 'Integer', value: 1 },
            ],
          },
          { tag: 'BatchCount', type: 'Integer', value: 1 },
        ],
      },
      {
        tag: 'BatchItem',
        value: [
          { tag: 'Operation', type: 'Enumeration', value: operation.tag },
          { tag: 'RequestPayload', value: operation.value },
        ],
      },
    ],
  };
}

interface Node {
  tag: string;
  type?: string;
  value: unknown;
}

/** The tag/type skeleton of a message: what must match between a recorded answer and ours. */
function shape(node: Node): unknown {
  return Array.isArray(node.value)
    ? {
        tag: node.tag,
        type: node.type,
        children: (node.value as Node[]).map(shape),
      }
    : { tag: node.tag, type: node.type };
}

function find(node: Node, tag: string): Node | undefined {
  if (node.tag === tag) return node;
  if (!Array.isArray(node.value)) return undefined;
  for (const entry of node.value as Node[]) {
    const hit = find(entry, tag);
    if (hit) return hit;
  }
  return undefined;
}

describe('Cosmian stand-in', () => {
  let kms: CosmianStandIn;

  beforeAll(async () => {
    kms = await startCosmianStandIn();
  });
  afterAll(async () => {
    await kms.stop();
  });

  async function post(
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; contentType: string | null; text: string }> {
    const response = await fetch(`${kms.url}/kmip/2_1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      text: await response.text(),
    };
  }

  async function postJson(body: unknown): Promise<Node> {
    const answer = await post(body);
    expect(answer.status, answer.text).toBe(200);
    return JSON.parse(answer.text) as Node;
  }

  async function createSigningPair(): Promise<{
    privateUid: string;
    publicUid: string;
  }> {
    const reply = await postJson(fixture('create_key_pair.rsa2048_sign.request.json'));
    const privateUid = find(reply, 'PrivateKeyUniqueIdentifier')?.value as string;
    const publicUid = find(reply, 'PublicKeyUniqueIdentifier')?.value as string;
    return { privateUid, publicUid };
  }

  it('serves GET /version and GET /health without auth, in Cosmian formats', async () => {
    const version = (await (await fetch(`${kms.url}/version`)).json()) as string;
    expect(version).toMatch(/^5\.26\.0 \(OpenSSL .+-non-FIPS\)$/);
    const health = (await (await fetch(`${kms.url}/health`)).json()) as {
      status: string;
    };
    expect(health.status).toBe('UP');
    expect((await fetch(`${kms.url}/nope`)).status).toBe(404);
  });

  it('answers a replayed CreateKeyPair vector in the shape Cosmian recorded', async () => {
    const recorded = fixture('create_key_pair.rsa2048_ca.response.json') as Node;
    const reply = await postJson(inRequestMessage(fixture('create_key_pair.rsa2048_ca.request.json') as Node));
    expect(shape(reply)).toEqual(shape(recorded));
    const privateUid = find(reply, 'PrivateKeyUniqueIdentifier')?.value as string;
    expect(find(reply, 'PublicKeyUniqueIdentifier')?.value).toBe(`${privateUid}_pk`);
  });

  it('signs the PKCS#1 v1.5 and PSS vectors with real keys that node:crypto verifies', async () => {
    const { privateUid, publicUid } = await createSigningPair();
    const getReply = await postJson({
      tag: 'Get',
      value: [
        { tag: 'UniqueIdentifier', type: 'TextString', value: publicUid },
        { tag: 'KeyFormatType', type: 'Enumeration', value: 'PKCS8' },
      ],
    });
    const spki = Buffer.from(find(getReply, 'KeyMaterial')?.value as string, 'hex');
    const publicKey = createPublicKey({
      key: spki,
      format: 'der',
      type: 'spki',
    });
    for (const [name, padding] of [
      ['sign.rsa_pkcs1v15_sha256.request.json', cryptoConstants.RSA_PKCS1_PADDING],
      ['sign.rsa_pss_sha256_rsassapss.request.json', cryptoConstants.RSA_PKCS1_PSS_PADDING],
    ] as const) {
      const vector = withPlaceholders(fixture(name), {
        private_key_id: privateUid,
      }) as Node;
      const reply = await postJson(vector);
      expect(reply.tag).toBe('SignResponse');
      const data = Buffer.from(find(vector, 'Data')?.value as string, 'hex');
      const signature = Buffer.from(find(reply, 'SignatureData')?.value as string, 'hex');
      expect(
        verify(
          'sha256',
          data,
          {
            key: publicKey,
            padding,
            saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST,
          },
          signature,
        ),
        name,
      ).toBe(true);
    }
  });

  it('creates the P-256 vector key (ECDH + RecommendedCurve) and signs with ECDSA defaults (SHA-256, DER)', async () => {
    const reply = await postJson(fixture('create_key_pair.ec_p256.request.json'));
    const privateUid = find(reply, 'PrivateKeyUniqueIdentifier')?.value as string;
    const publicUid = find(reply, 'PublicKeyUniqueIdentifier')?.value as string;
    const getReply = await postJson({
      tag: 'Get',
      value: [
        { tag: 'UniqueIdentifier', type: 'TextString', value: publicUid },
        { tag: 'KeyFormatType', type: 'Enumeration', value: 'PKCS8' },
      ],
    });
    const publicKey = createPublicKey({
      key: Buffer.from(find(getReply, 'KeyMaterial')?.value as string, 'hex'),
      format: 'der',
      type: 'spki',
    });
    expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const vector = withPlaceholders(fixture('sign.ecdsa_p256_no_params.request.json'), {
      private_key_id: privateUid,
    }) as Node;
    const signReply = await postJson(vector);
    const data = Buffer.from(find(vector, 'Data')?.value as string, 'hex');
    const signature = Buffer.from(find(signReply, 'SignatureData')?.value as string, 'hex');
    expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(true);
  });

  it('reports an unknown key as Item_Not_Found: 422 text when bare, failed BatchItem in a RequestMessage', async () => {
    const vector = fixture('sign.item_not_found.request.json') as Node;
    const bare = await post(vector);
    expect(bare.status).toBe(422);
    expect(bare.contentType).toBe('text/html; charset=utf-8');
    expect(bare.text).toBe(
      'Item_Not_Found: Sign: no valid key for id: nonexistent-uid-00000000-0000-0000-0000-000000000000',
    );

    const recorded = fixture('error.recertify_item_not_found.response.json') as Node;
    const batched = await postJson(inRequestMessage(vector));
    expect(shape(batched)).toEqual(shape(recorded));
    expect(find(batched, 'ResultReason')?.value).toBe('Item_Not_Found');
    expect(find(batched, 'ResultStatus')?.value).toBe('OperationFailed');
  });

  it('refuses to sign with a key whose usage mask lacks Sign (the CA vector has Encrypt|Decrypt)', async () => {
    const reply = await postJson(fixture('create_key_pair.rsa2048_ca.request.json'));
    const privateUid = find(reply, 'PrivateKeyUniqueIdentifier')?.value as string;
    const answer = await post(
      withPlaceholders(fixture('sign.rsa_pkcs1v15_sha256.request.json'), {
        private_key_id: privateUid,
      }),
    );
    expect(answer).toMatchObject({
      status: 422,
      text: `Item_Not_Found: Sign: no valid key for id: ${privateUid}`,
    });
  });

  it('keeps a key PreActive without ActivationDate until Activate', async () => {
    const request = fixture('create_key_pair.rsa2048_sign.request.json') as Node;
    const withoutDate = JSON.parse(JSON.stringify(request).replace(/,\{"tag":"ActivationDate"[^}]*\}/, '')) as Node;
    expect(JSON.stringify(withoutDate)).not.toContain('ActivationDate');
    const reply = await postJson(withoutDate);
    const privateUid = find(reply, 'PrivateKeyUniqueIdentifier')?.value as string;
    expect(kms.inspect(privateUid)?.state).toBe('PreActive');

    const signVector = withPlaceholders(fixture('sign.rsa_pkcs1v15_sha256.request.json'), {
      private_key_id: privateUid,
    });
    const refused = await post(signVector);
    expect(refused).toMatchObject({
      status: 422,
      text: `Permission_Denied: Sign: key ${privateUid} is in state PreActive but operation requires one of [Active]`,
    });
    await postJson(
      withPlaceholders(fixture('activate.request.json'), {
        key_id: privateUid,
      }),
    );
    expect((await post(signVector)).status).toBe(200);
  });

  it('refuses to destroy an activated key, destroys it after Revoke, then answers Object_Destroyed and Item_Not_Found', async () => {
    const { privateUid } = await createSigningPair();
    const destroy = {
      tag: 'Destroy',
      value: [{ tag: 'UniqueIdentifier', type: 'TextString', value: privateUid }],
    };
    expect(await post(destroy)).toMatchObject({
      status: 422,
      text: 'Wrong_Key_Lifecycle_State: DENIED',
    });

    await postJson(
      withPlaceholders(fixture('revoke.cessation_of_operation.request.json'), {
        key_id: privateUid,
      }),
    );
    expect(kms.inspect(privateUid)?.state).toBe('Deactivated');
    await postJson(destroy);
    expect(kms.inspect(privateUid)?.state).toBe('Destroyed');

    const get = {
      tag: 'Get',
      value: [{ tag: 'UniqueIdentifier', type: 'TextString', value: privateUid }],
    };
    expect(await post(get)).toMatchObject({
      status: 422,
      text: 'Object_Destroyed: DENIED',
    });
    expect(await post(destroy)).toMatchObject({
      status: 422,
      text: `Item_Not_Found: ${privateUid}`,
    });
    const batched = await postJson(inRequestMessage(destroy));
    expect(find(batched, 'ResultReason')?.value).toBe('Item_Not_Found');
    expect(find(batched, 'ResultMessage')?.value).toBe(privateUid);
  });

  it('cascades Revoke and Destroy to the linked public key only when Cascade=true', async () => {
    const alone = await createSigningPair();
    await postJson(
      withPlaceholders(fixture('revoke.unspecified.request.json'), {
        key_id: alone.privateUid,
      }),
    );
    expect(kms.inspect(alone.publicUid)?.state).toBe('Active');

    const linked = await createSigningPair();
    const uid = {
      tag: 'UniqueIdentifier',
      type: 'TextString',
      value: linked.privateUid,
    };
    const cascade = { tag: 'Cascade', type: 'Boolean', value: true };
    await postJson({
      tag: 'Revoke',
      value: [
        uid,
        {
          tag: 'RevocationReason',
          value: [
            {
              tag: 'RevocationReasonCode',
              type: 'Enumeration',
              value: 'KeyCompromise',
            },
          ],
        },
        cascade,
      ],
    });
    expect(kms.inspect(linked.publicUid)?.state).toBe('Compromised');
    await postJson({ tag: 'Destroy', value: [uid, cascade] });
    expect(kms.inspect(linked.privateUid)?.state).toBe('Destroyed_Compromised');
    expect(kms.inspect(linked.publicUid)?.state).toBe('Destroyed_Compromised');
  });

  it('locates by Name and by Cosmian tag with the vector shapes', async () => {
    const located = await postJson(fixture('locate.by_name.request.json'));
    expect(shape(located)).toEqual({
      tag: 'LocateResponse',
      type: undefined,
      children: [{ tag: 'LocatedItems', type: 'Integer' }],
    });
    const byTag = await postJson(inRequestMessage(fixture('locate.by_cosmian_tag.request.json') as Node));
    expect(find(byTag, 'ResultStatus')?.value).toBe('Success');
  });

  it('answers DiscoverVersions with 2.1 first', async () => {
    const reply = await postJson(fixture('discover_versions.request.json'));
    expect(find(reply, 'ProtocolVersionMajor')?.value).toBe(2);
    expect(find(reply, 'ProtocolVersionMinor')?.value).toBe(1);
  });
});

describe('Cosmian stand-in switches', () => {
  it('requires the bearer token when configured: 401 "No authentication provided."', async () => {
    const kms = await startCosmianStandIn({ apiToken: 'c2VjcmV0LXRva2Vu' });
    try {
      const body = JSON.stringify(fixture('discover_versions.request.json'));
      const anonymous = await fetch(`${kms.url}/kmip/2_1`, {
        method: 'POST',
        body,
      });
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).toBe('No authentication provided.');
      const authorized = await fetch(`${kms.url}/kmip/2_1`, {
        method: 'POST',
        body,
        headers: { authorization: 'Bearer c2VjcmV0LXRva2Vu' },
      });
      expect(authorized.status).toBe(200);
      expect((await fetch(`${kms.url}/version`)).status).toBe(200);
    } finally {
      await kms.stop();
    }
  });

  it('reports another version and answers 503 for injected faults', async () => {
    const kms = await startCosmianStandIn();
    try {
      kms.setVersion('5.7.2');
      expect(await (await fetch(`${kms.url}/version`)).json()).toMatch(/^5\.7\.2 /);
      kms.injectFaults('unavailable', 1);
      const body = JSON.stringify(fixture('discover_versions.request.json'));
      expect((await fetch(`${kms.url}/kmip/2_1`, { method: 'POST', body })).status).toBe(503);
      expect((await fetch(`${kms.url}/kmip/2_1`, { method: 'POST', body })).status).toBe(200);
      expect(kms.received.map((request) => request.status)).toEqual([503, 200]);
    } finally {
      await kms.stop();
    }
  });
});
