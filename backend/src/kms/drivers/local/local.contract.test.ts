import { runKeyStoreContract } from '../../key-store.contract.js';
import { tempLocalStoreHarness } from '../../../../test/harness/temp-local-store.js';

runKeyStoreContract({ name: 'local', ...tempLocalStoreHarness() });
