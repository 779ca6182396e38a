"""The server-side agent's Node source, as data: sent over SSH and run as ``node -e``.

Nothing is installed on the server. The agent loads the server's own pm2 module (found from the
``pm2`` on the login PATH), connects to the running daemon (it never starts one: without a
daemon it says so and exits 3), and writes JSON lines on stdout:

- ``{"t":"hello","pm2":VERSION,"node":VERSION}`` once connected;
- ``{"t":"snapshot","now":MS,"procs":[...]}`` at start, every N seconds and 0.3 s after
  a burst of process events, each process with
  the whitelisted fields only (the same shape as a ``pm2 jlist`` entry, environment left out ON
  THE SERVER);
- ``{"t":"event","app":..,"event":..,"manually":bool,"at":MS}`` for pm2's ``process:event``
  (``restart overlimit`` is one of them);
- ``{"t":"exception","app":..,"message":..,"at":MS}`` (message capped at 500 characters);
- ``{"t":"log","app":..,"stream":"out"|"err","line":..,"at":MS}`` for followed apps only;
- ``{"t":"error","why":..}`` then a non-zero exit on any pm2 or bus failure.

stdin takes ``follow APP`` / ``unfollow APP`` lines and ``snapshot`` (one now); the agent exits when stdin closes (the app
closed the channel). Its process title is ``ereg-agent`` (``ps``, ``pgrep -x``). pm2's own console output goes to stderr so stdout holds only these lines.

Its *once* mode (:func:`once_argv`, ``ereg-desktop status``) writes one snapshot line and exits 0
(or an error line, exit 3 without a daemon: it never starts one): no bus, no stdin, and only pm2's
RPC client is loaded (``lib/Client.js``, about half of pm2's start-up), the whole module if that is
not there.
"""

from __future__ import annotations

from ereg_desktop.remote.command import remote_command

# exit codes the app reads: 3 no daemon / cannot connect, 4 stdout gone, 5 bus or pm2 failure,
# 6 pm2 module not found or too old
AGENT_JS = r"""
'use strict';
process.title = 'ereg-agent';
const fs = require('fs'), path = require('path'), util = require('util');
const toErr = (...a) => { try { process.stderr.write(util.format(...a) + '\n'); } catch (e) {} };
console.log = console.info = console.warn = console.error = toErr;
const out = process.stdout;
out.on('error', () => process.exit(4));
const emit = (o) => { try { out.write(JSON.stringify(o) + '\n'); } catch (e) { process.exit(4); } };
let ended = false;
const fail = (why, code) => {
  if (ended) return;
  ended = true;
  emit({t: 'error', why: String(why).slice(0, 300)});
  process.exit(code);
};
const str = (v, n) => (typeof v === 'string' ? v.slice(0, n) : undefined);
const num = (v) => (typeof v === 'number' && isFinite(v) ? v : undefined);
const pm2Bin = process.argv[1] || '';
const every = Math.max(1, Number(process.argv[2]) || 5) * 1000;
const once = process.argv[3] === 'once';
let dir;
try {
  dir = path.dirname(fs.realpathSync(pm2Bin));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'pm2') break;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('no pm2 package above ' + pm2Bin);
    dir = up;
  }
} catch (e) { fail('pm2 module not found: ' + e.message, 6); }
const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
if (!(parseInt(version, 10) >= 4)) fail('pm2 ' + version + ' is too old for the agent', 6);
let pm2 = null;  // the whole pm2 module (the long-lived mode)
const followed = new Set();
const procOf = (p) => {
  const e = p.pm2_env || {}, m = p.monit || {};
  return {
    name: str(p.name, 200), pm_id: num(p.pm_id), pid: num(p.pid),
    monit: {memory: num(m.memory), cpu: num(m.cpu)},
    pm2_env: {
      status: str(e.status, 40), restart_time: num(e.restart_time),
      unstable_restarts: num(e.unstable_restarts), pm_uptime: num(e.pm_uptime),
      exec_mode: str(e.exec_mode, 20), instances: num(e.instances), exit_code: num(e.exit_code),
      pm_out_log_path: str(e.pm_out_log_path, 1000), pm_err_log_path: str(e.pm_err_log_path, 1000),
    },
  };
};
let listing = false, soon = null;
const snapshot = () => {
  if (listing) return;
  listing = true;
  pm2.list((err, list) => {
    listing = false;
    if (err) return fail('pm2 list: ' + (err.message || err), 5);
    emit({t: 'snapshot', now: Date.now(), procs: (list || []).map(procOf)});
  });
};
const nameOf = (p) => str(p && p.process && p.process.name, 200) || '';
const onBus = (bus, sock) => {
  bus.on('process:event', (p) => {
    emit({t: 'event', app: nameOf(p), event: str(p.event, 60) || '',
      manually: p.manually === true, at: num(p.at) || Date.now()});
    clearTimeout(soon);  // a fresh status shortly after a change (one for a burst of events)
    soon = setTimeout(snapshot, 300);
  });
  bus.on('process:exception', (p) => {
    const d = p.data || {};
    const msg = typeof d === 'string' ? d : (d.message || d.stack || '');
    emit({t: 'exception', app: nameOf(p), message: String(msg).slice(0, 500),
      at: num(p.at) || Date.now()});
  });
  for (const stream of ['out', 'err']) {
    bus.on('log:' + stream, (p) => {
      const app = nameOf(p);
      if (!followed.has(app)) return;
      for (const line of String(p.data || '').split('\n')) {
        if (line) emit({t: 'log', app, stream, line: line.slice(0, 4000), at: num(p.at) || Date.now()});
      }
    });
  }
  sock.on('reconnect attempt', () => fail('the pm2 bus disconnected (daemon gone?)', 5));
  sock.on('close', () => fail('the pm2 bus closed', 5));
  sock.on('error', (e) => fail('pm2 bus error: ' + (e && e.message), 5));
};
const listOnce = () => {
  setTimeout(() => fail('pm2 did not answer within 15 s', 5), 15000).unref();
  const done = (err, list) => {
    if (err) return fail('pm2 list: ' + (err.message || err), 5);
    const line = JSON.stringify({t: 'snapshot', now: Date.now(), procs: (list || []).map(procOf)});
    out.write(line + '\n', () => process.exit(0));
  };
  let client = null;
  try {
    process.env.PM2_PROGRAMMATIC = 'true';  // no first-run banner
    const Client = require(path.join(dir, 'lib', 'Client.js'));
    client = new Client();
    if (typeof client.launchRPC !== 'function' || typeof client.executeRemote !== 'function') client = null;
  } catch (e) { client = null; }
  if (client === null) {
    const api = require(dir);
    return api.Client.pingDaemon((alive) => {
      if (!alive) return fail('no pm2 daemon is running for this account', 3);
      api.connect((err) => (err ? fail('pm2 connect: ' + (err.message || err), 3) : api.list(done)));
    });
  }
  client.pingDaemon((alive) => {
    if (!alive) return fail('no pm2 daemon is running for this account', 3);
    client.launchRPC((err) => {
      if (err) return fail('pm2 connect: ' + (err.message || err), 3);
      client.executeRemote('getMonitorData', {}, done);
    });
  });
};
if (once) {
  listOnce();
} else {
pm2 = require(dir);
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  if (pending.length > 65536) pending = '';
  let i;
  while ((i = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, i).trim();
    pending = pending.slice(i + 1);
    if (line === 'snapshot') { snapshot(); continue; }
    const m = /^(follow|unfollow) (.{1,200})$/.exec(line);
    if (m && m[1] === 'follow') followed.add(m[2]);
    else if (m) followed.delete(m[2]);
  }
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
pm2.Client.pingDaemon((alive) => {
  if (!alive) return fail('no pm2 daemon is running for this account', 3);
  pm2.connect((err) => {
    if (err) return fail('pm2 connect: ' + (err.message || err), 3);
    pm2.launchBus((err, bus, sock) => {
      if (err) return fail('pm2 bus: ' + (err.message || err), 5);
      emit({t: 'hello', pm2: String(version).slice(0, 40), node: process.version});
      onBus(bus, sock);
      snapshot();
      setInterval(snapshot, every);
    });
  });
});
}
"""

# The login shell finds pm2 and node; without them the agent says why on stdout, like the
# agent's own errors. ``exec`` makes node the channel's process: it exits when stdin closes.
_LAUNCH = (
    'p=$(command -v pm2) || { echo \'{"t":"error","why":"pm2 is not on the login PATH"}\'; '
    "exit 6; }; "
    'command -v node >/dev/null || { echo \'{"t":"error","why":"node is not on the login PATH"}\'; '
    "exit 6; }; "
    'exec node -e "$1" "$p" "$2" "$3"'
)


def agent_argv(interval_s: float) -> list[str]:
    """The agent's command: ``bash -c LAUNCH ereg-agent AGENT_JS INTERVAL`` (run by the login
    shell of :func:`~ereg_desktop.remote.command.remote_command`)."""
    return ["bash", "-c", _LAUNCH, "ereg-agent", AGENT_JS, f"{max(1.0, interval_s):g}"]


def once_argv() -> list[str]:
    """The agent's once mode: one snapshot, then exit (``ereg-desktop status``)."""
    return ["bash", "-c", _LAUNCH, "ereg-agent", AGENT_JS, "5", "once"]


def agent_command(interval_s: float) -> str:
    """The text the connection runs."""
    return remote_command(agent_argv(interval_s))
