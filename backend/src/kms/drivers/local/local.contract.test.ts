import { runKeyStoreContract } from '../../key-store.contract.js';
import { tempLocalStoreHarness } from '../../testing/temp-local-store.js';

runKeyStoreContract({ name: 'local', ...tempLocalStoreHarness() });
