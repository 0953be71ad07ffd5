/** One key the stand-in holds, as Cosmian's object store keeps it (without persistence). */
import type { KeyObject } from 'node:crypto';

export type State = 'PreActive' | 'Active' | 'Deactivated' | 'Compromised' | 'Destroyed' | 'Destroyed_Compromised';

export interface ManagedKey {
  uid: string;
  objectType: 'PrivateKey' | 'PublicKey';
  key: KeyObject;
  cryptographicAlgorithm: string;
  cryptographicLength: number;
  curve: string | undefined;
  usageMask: number;
  state: State;
  activationDate: Date | undefined;
  initialDate: Date;
  lastChangeDate: Date;
  names: string[];
  /** User tags of the server's tag vendor (`tagging.rs`), plus the system tag `_sk`/`_pk` on read. */
  tags: string[];
  linkType: 'PublicKeyLink' | 'PrivateKeyLink';
  linkedUid: string;
  isSensitive: boolean;
  revocationReasonCode: string | undefined;
}

export function isLive(object: ManagedKey): boolean {
  return object.state !== 'Destroyed' && object.state !== 'Destroyed_Compromised';
}

/** The tags Locate matches on: the user's and the system tag of the object type. */
export function allTags(object: ManagedKey): string[] {
  return [...object.tags, object.objectType === 'PrivateKey' ? '_sk' : '_pk'];
}

/** What the operations see of the store. */
export interface ObjectStore {
  readonly objects: Map<string, ManagedKey>;
  /** For Get, GetAttributes and Activate: any state; an unknown UID is Object_Not_Found. */
  retrieve(uid: string): ManagedKey;
}
