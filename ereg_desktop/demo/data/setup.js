'use strict';
// Sandbox `npm run setup`: takes SETUP_SECONDS (env), else the number in .setup-seconds, else 2.
// Prints npm-like progress (\r lines, ANSI colour). Fails (exit 1) if a file FAIL_SETUP exists
// in the app folder or SETUP_FAIL=1 is set. Writes build/setup-done.json on success, and the
// scan map i18n-scan-map.generated.json (where each message is used; apps.py scan_map agrees).
const fs = require('fs');
const path = require('path');

const dir = __dirname;
function readSeconds() {
  if (process.env.SETUP_SECONDS) return Number(process.env.SETUP_SECONDS);
  try {
    return Number(fs.readFileSync(path.join(dir, '.setup-seconds'), 'utf8').trim());
  } catch (e) {
    return 2;
  }
}
const seconds = Math.max(0, readSeconds() || 0);
const fail = process.env.SETUP_FAIL === '1' || fs.existsSync(path.join(dir, 'FAIL_SETUP'));
const steps = ['client files', 'stylesheets', 'database indexes', 'search index'];
const ticks = 20;
const tickMs = (seconds * 1000) / ticks;
function scanMap() {
  const where = {
    'Business registration': ['Model: Documents', '/model/business-process/documents.js', 12],
    legend: ['Model: Documents', '/model/documents/legend.js', 8],
    "I'm ${ fullName }": ['default', '/view/user/profile.js', 21],
    'Welcome to ${ systemName }': ['default', '/view/index.js', 5],
    Submit: ['default', '/view/form.js', 40],
  };
  where[`${path.basename(dir)}: footer`] = ['default', '/view/footer.js', 3];
  const map = {};
  for (const [key, [context, fileName, line]] of Object.entries(where)) {
    map[key] = { [context]: [{ fileName, line, column: 4 }] };
  }
  return map;
}
const green = (s) => `\x1b[32m${s}\x1b[39m`;
const yellow = (s) => `\x1b[33m${s}\x1b[39m`;
const red = (s) => `\x1b[31m${s}\x1b[39m`;

process.stderr.write(`${yellow('npm WARN')} deprecated fake-dependency@1.0.0: sandbox warning\n`);
console.log(`${green('setup')} ${path.basename(dir)}: ${seconds}s, ${steps.length} steps`);
let tick = 0;
function step() {
  tick += 1;
  const pct = Math.round((tick * 100) / ticks);
  const what = steps[Math.min(steps.length - 1, Math.floor(((tick - 1) * steps.length) / ticks))];
  const bar = '#'.repeat(Math.round(pct / 5)).padEnd(20, '.');
  process.stdout.write(`\r[${bar}] ${String(pct).padStart(3)}% building ${what}`);
  if (fail && tick >= ticks / 2) {
    process.stdout.write('\n');
    process.stderr.write(`${red('ERR!')} setup failed while building ${what} (FAIL_SETUP)\n`);
    process.exit(1);
  }
  if (tick < ticks) {
    setTimeout(step, tickMs);
    return;
  }
  process.stdout.write('\n');
  fs.mkdirSync(path.join(dir, 'build'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'build', 'setup-done.json'),
    JSON.stringify({ at: new Date().toISOString(), seconds }) + '\n'
  );
  fs.writeFileSync(
    path.join(dir, 'i18n-scan-map.generated.json'),
    JSON.stringify(scanMap(), null, 2) + '\n'
  );
  console.log(green('setup done'));
}
setTimeout(step, tickMs);
