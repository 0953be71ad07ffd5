/**
 * Loads graphene-pk11 lazily and shares one initialized PKCS#11 module per library path.
 *
 * Why shared: dlopen returns the same library for the same path, so every `Module.load` in a
 * process drives the same Cryptoki instance; a C_Finalize from one key store would close the
 * sessions of every other. The registry counts users and finalizes only when the last closes.
 *
 * Why lazy: graphene-pk11 pulls the native addon pkcs11js; a machine that never selects the
 * `pkcs11` backend must not need it, and one that does gets an error naming the package.
 */
import { existsSync } from 'node:fs';

import type * as GrapheneNamespace from 'graphene-pk11';

import { KmsUnavailable } from '../../kmip/errors.js';
import { toKmsError } from './pkcs11-errors.js';

export type Graphene = typeof GrapheneNamespace;
export type GrapheneModule = InstanceType<Graphene['Module']>;

/** CK_C_INITIALIZE_ARGS.flags: the library may use OS mutexes, so sessions can run on worker threads. */
const CKF_OS_LOCKING_OK = 0x2;

let graphenePromise: Promise<Graphene> | undefined;

export function loadGraphene(): Promise<Graphene> {
  graphenePromise ??= import('graphene-pk11').catch((error: unknown) => {
    graphenePromise = undefined;
    const reason = error instanceof Error ? error.message : String(error);
    throw new KmsUnavailable(
      `PKI_KMS_BACKEND=pkcs11 needs the npm package graphene-pk11 and its native addon pkcs11js, which could not be loaded (${reason}); run pnpm install with a C++ toolchain so pkcs11js builds`,
      { serverReason: 'PKCS11_ADDON_MISSING', operation: 'load' },
      { cause: error },
    );
  });
  return graphenePromise;
}

interface LoadedModule {
  module: GrapheneModule;
  users: number;
}

const loadedModules = new Map<string, LoadedModule>();

export interface ModuleLease {
  graphene: Graphene;
  module: GrapheneModule;
  /** Give the module back; the last lease finalizes it. Idempotent. */
  release(): void;
}

export async function acquireModule(modulePath: string): Promise<ModuleLease> {
  if (!existsSync(modulePath)) {
    throw new KmsUnavailable(`pkcs11: the PKCS#11 module ${modulePath} (PKI_PKCS11_MODULE) does not exist`, {
      serverReason: 'PKCS11_MODULE_NOT_FOUND',
      operation: 'load',
    });
  }
  const graphene = await loadGraphene();
  let loaded = loadedModules.get(modulePath);
  if (loaded === undefined) {
    let module: GrapheneModule;
    try {
      module = graphene.Module.load(modulePath);
    } catch (error) {
      throw new KmsUnavailable(
        `pkcs11: the PKCS#11 module ${modulePath} (PKI_PKCS11_MODULE) could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
        { serverReason: 'PKCS11_MODULE_LOAD_FAILED', operation: 'load' },
        { cause: error },
      );
    }
    try {
      module.initialize({ flags: CKF_OS_LOCKING_OK });
    } catch (error) {
      throw toKmsError(error, 'load', `C_Initialize of ${modulePath}`);
    }
    loaded = { module, users: 0 };
    loadedModules.set(modulePath, loaded);
  }
  loaded.users += 1;
  const entry = loaded;
  let isReleased = false;
  return {
    graphene,
    module: entry.module,
    release() {
      if (isReleased) return;
      isReleased = true;
      entry.users -= 1;
      if (entry.users > 0) return;
      loadedModules.delete(modulePath);
      try {
        entry.module.finalize();
      } catch {
        // Already finalized or the device went away: nothing left to release.
      }
    },
  };
}
