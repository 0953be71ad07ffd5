/**
 * A real syslog receiver for tests: Debian's rsyslogd, started in the foreground with its
 * own configuration in a temporary directory, listening on a free loopback TCP port and
 * writing each received message's MSG part, one per line, to `received.log`. Stoppable and
 * restartable on the same port, to play an outage.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, waitForPort } from './ports.js';

const RSYSLOGD = '/usr/sbin/rsyslogd';

export interface RsyslogReceiver {
  port: number;
  /** The MSG of every message received so far, in order. */
  received(): string[];
  start(): Promise<void>;
  /** SIGTERM and wait: rsyslogd writes out what it has before it exits. */
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startRsyslog(): Promise<RsyslogReceiver> {
  if (!existsSync(RSYSLOGD)) {
    throw new Error(`${RSYSLOGD} is missing: scripts/install-system-deps.sh installs Debian's rsyslog`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'pki-rsyslog-'));
  const port = await freePort();
  const receivedPath = join(dir, 'received.log');
  const configPath = join(dir, 'rsyslog.conf');
  writeFileSync(
    configPath,
    [
      `global(workDirectory="${dir}" maxMessageSize="256k")`,
      'module(load="imtcp")',
      `input(type="imtcp" address="127.0.0.1" port="${port}")`,
      'template(name="msgOnly" type="string" string="%msg%\\n")',
      `*.* action(type="omfile" file="${receivedPath}" template="msgOnly")`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;

  const receiver: RsyslogReceiver = {
    port,
    received: () =>
      existsSync(receivedPath)
        ? readFileSync(receivedPath, 'utf8')
            .split('\n')
            .map((line) => line.trim())
            .filter((line) => line !== '')
        : [],
    start: async () => {
      child = spawn(RSYSLOGD, ['-n', '-f', configPath, '-i', join(dir, 'rsyslogd.pid')], { stdio: 'ignore' });
      await waitForPort(port, { what: 'rsyslogd' });
    },
    stop: async () => {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
    cleanup: async () => {
      await receiver.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await receiver.start();
  return receiver;
}
