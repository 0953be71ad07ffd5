/**
 * Entry point: load config → build the app → listen → close gracefully on SIGINT/SIGTERM.
 * An invalid configuration prints one line naming the variable and exits 1.
 */
import { ConfigError } from './errors.js';
import { buildApp } from './app.js';
import { loadConfig, readEnvironment } from './config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(readEnvironment());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const app = await buildApp(config);
  let isClosing = false;
  const close = (signal: string) => {
    if (isClosing) return;
    isClosing = true;
    app.log.info({ signal }, 'shutting down');
    const forceExit = setTimeout(() => process.exit(1), 10_000);
    forceExit.unref();
    app.close().then(
      () => process.exit(0),
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
  process.stderr.write(`PKI Manager failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
