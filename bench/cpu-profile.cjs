// Preloaded with NODE_OPTIONS=--require (Node 20 refuses --cpu-prof there): SIGUSR2 starts the inspector's
// CPU profiler, the next SIGUSR2 stops it and writes BENCH_CPU_PROF/<pid>-<n>.cpuprofile (open it in
// Chrome DevTools, or summarise it with bench/cpu-profile-top.mjs). So a bench profiles only the load it
// chooses, not the start-up. Child processes the app spawns inherit NODE_OPTIONS and are left alone.
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 200 });
let running = false;
let written = 0;
process.on('SIGUSR2', () => {
  if (!running) {
    session.post('Profiler.start');
    running = true;
    return;
  }
  running = false;
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    written += 1;
    const file = join(process.env.BENCH_CPU_PROF, `${process.pid}-${written}.cpuprofile`);
    writeFileSync(file, JSON.stringify(result.profile));
  });
});
