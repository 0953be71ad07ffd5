/**
 * Entry point: load config → lock the data directory → build the app → listen → close
 * gracefully on SIGINT/SIGTERM. An invalid configuration, or a data directory another
 * server holds (db/data-dir-lock.ts), prints one line and exits 1.
 *
 * Shutdown: Fastify's close stops accepting (new requests get 503), lets the requests in
 * flight finish (their keep-alive connections are closed as they go idle), then runs the app's onClose hooks, which flush the batched audit commits
 * and close the database; only then is the lock released. If requests are still running
 * after PKI_SHUTDOWN_TIMEOUT the process exits 1 anyway: whatever was acknowledged was
 * already committed (a reply is sent only after its commit), so nothing acknowledged is lost.
 */
import { ConfigError } from './errors.js';
import { buildApp } from './app.js';
import { loadConfig, readEnvironment } from './config.js';
import type { Config } from './config.js';
import { DataDirLockedError, acquireDataDirLock } from './db/data-dir-lock.js';
import type { DataDirLock } from './db/data-dir-lock.js';

function exitWithLine(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

function loadConfigOrExit(): Readonly<Config> {
  try {
    return loadConfig(readEnvironment());
  } catch (error) {
    if (error instanceof ConfigError) exitWithLine(error.message);
    throw error;
  }
}

function lockOrExit(dataDir: string): DataDirLock {
  try {
    return acquireDataDirLock(dataDir);
  } catch (error) {
    if (error instanceof DataDirLockedError) exitWithLine(error.message);
    throw error;
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const lock = lockOrExit(config.dataDir);
  const app = await buildApp(config).catch((error: unknown) => {
    lock.release();
    throw error;
  });
  let isClosing = false;
  const close = (signal: string) => {
    if (isClosing) return;
    isClosing = true;
    app.log.info({ signal }, 'shutting down');
    const forceExit = setTimeout(() => {
      app.log.error(
        { timeoutSeconds: config.shutdownTimeoutSeconds },
        'requests still running at PKI_SHUTDOWN_TIMEOUT',
      );
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    forceExit.unref();
    // Node reaps idle keep-alive connections only at the moment close() is called; a connection
    // whose request was still running then would stay open (idle) until its keep-alive timeout
    // and hold the close. Reap them as they go idle.
    const reapIdle = setInterval(() => app.server.closeIdleConnections(), 100);
    reapIdle.unref();
    app.close().then(
      () => {
        lock.release();
        app.log.info('shut down');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => close('SIGINT'));
  process.on('SIGTERM', () => close('SIGTERM'));

  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    {
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
      kms: config.kms.backend,
    },
    'PKI Manager listening',
  );
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`PKI Manager failed to start: ${message}\n`);
  process.exit(1);
});
