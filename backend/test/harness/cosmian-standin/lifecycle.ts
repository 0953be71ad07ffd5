/**
 * The stand-in's lifecycle operations (Cosmian 5.26 `crate/server/src/core/operations/`
 * activate.rs, revoke.rs, destroy.rs); they behave alike from 5.13 (Cascade optional) on.
 */
import { fail } from './errors.js';
import { child, readBoolean, readEnum, readText, structure, text } from './json-ttlv.js';
import type { JsonTtlv } from './json-ttlv.js';
import type { ObjectStore } from './managed-key.js';

/** `operations/activate.rs`: PreActive → Active; anything else is a lifecycle error. */
export function activate(store: ObjectStore, payload: JsonTtlv): JsonTtlv {
  const uid = requireUid(payload);
  const object = store.retrieve(uid);
  if (object.state !== 'PreActive') {
    fail({
      kind: 'kmip21',
      reason: 'Wrong_Key_Lifecycle_State',
      message: `Object ${uid} cannot be activated: state is ${object.state}`,
    });
  }
  object.state = 'Active';
  object.activationDate = new Date();
  object.lastChangeDate = new Date();
  return structure('ActivateResponse', [text('UniqueIdentifier', uid)]);
}

/**
 * `operations/revoke.rs`: Active/PreActive → Compromised (KeyCompromise, CACompromise) or
 * Deactivated; Deactivated + non-compromise and Destroyed are no-op successes; an already
 * Compromised object is skipped, so alone it answers Item_Not_Found. Cascade follows the link.
 */
export function revoke(store: ObjectStore, payload: JsonTtlv): JsonTtlv {
  const uid = requireUid(payload);
  const reason = child(payload, 'RevocationReason');
  if (reason === undefined)
    fail({
      kind: 'kmip21',
      reason: 'Codec_Error',
      message: 'Revoke: missing field `RevocationReason`',
    });
  const code = readEnum(reason === undefined ? undefined : child(reason, 'RevocationReasonCode')) ?? 'Unspecified';
  const isCascade = readBoolean(child(payload, 'Cascade')) ?? false;
  const isCompromise = code === 'KeyCompromise' || code === 'CACompromise';
  const visited = new Set<string>();
  const revokeOne = (target: string): number => {
    const object = store.objects.get(target);
    if (object === undefined || visited.has(target)) return 0;
    visited.add(target);
    switch (object.state) {
      case 'Destroyed':
      case 'Destroyed_Compromised':
        return 1;
      case 'Compromised':
        return 0;
      case 'Deactivated':
        if (!isCompromise) return 1;
        break;
      case 'Active':
      case 'PreActive':
        break;
    }
    if (isCascade) revokeOne(object.linkedUid);
    object.state = isCompromise ? 'Compromised' : 'Deactivated';
    object.revocationReasonCode = code;
    object.lastChangeDate = new Date();
    return 1;
  };
  if (revokeOne(uid) === 0) fail({ kind: 'kmip21', reason: 'Item_Not_Found', message: uid });
  return structure('RevokeResponse', [text('UniqueIdentifier', uid)]);
}

/**
 * `operations/destroy.rs`: an Active object with an ActivationDate is refused
 * (`Wrong_Key_Lifecycle_State: DENIED`); destroyed objects are skipped, so destroying
 * twice answers Item_Not_Found; Cascade destroys the linked key; key material is dropped.
 */
export function destroy(store: ObjectStore, payload: JsonTtlv): JsonTtlv {
  const uid = requireUid(payload);
  const isCascade = readBoolean(child(payload, 'Cascade')) ?? false;
  const visited = new Set<string>();
  const destroyOne = (target: string, isLinked: boolean): number => {
    const object = store.objects.get(target);
    if (object === undefined || visited.has(target)) return 0;
    visited.add(target);
    if (object.state === 'Destroyed' || object.state === 'Destroyed_Compromised') return 0;
    if (object.state === 'Active' && object.activationDate !== undefined) {
      // A public key's cascade into an active private key is tolerated (logged) by the server.
      if (isLinked && object.objectType === 'PrivateKey') return 0;
      return fail({
        kind: 'kmip21',
        reason: 'Wrong_Key_Lifecycle_State',
        message: 'DENIED',
      });
    }
    if (isCascade) destroyOne(object.linkedUid, true);
    object.state = object.state === 'Compromised' ? 'Destroyed_Compromised' : 'Destroyed';
    object.lastChangeDate = new Date();
    return 1;
  };
  if (destroyOne(uid, false) === 0) fail({ kind: 'kmip21', reason: 'Item_Not_Found', message: uid });
  return structure('DestroyResponse', [text('UniqueIdentifier', uid)]);
}

export function requireUid(payload: JsonTtlv): string {
  const uid = readText(child(payload, 'UniqueIdentifier'));
  return uid ?? fail({ kind: 'invalidRequest', message: 'This KMIP server does not yet support place holder id' });
}
