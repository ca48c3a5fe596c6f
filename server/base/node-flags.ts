/**
 * The V8 flags every launcher of `hearth serve` gives Node, since a process cannot set them on
 * itself once it runs (V8 sizes its heap when it starts; `v8.setFlagsFromString` later was
 * measured to change nothing here). Kept in step with bin/hearth.js's first line, `npm start`, the
 * container's entry point and the desktop app's server command by a test.
 *
 * `--min-semi-space-size=8`: V8 shrinks its young generation to 1 MB after a quiet spell (the
 * first collection after ~15 s without requests finds little allocated), and at one request at a
 * time few objects survive, so it grows back slowly: measured, 25 scavenges per 15,000 sequential
 * requests on a fresh server and 134-185 once it had been idle 15 s, each 0.4-0.9 ms, which put
 * ~1% of requests past 1 ms (p99 0.93-1.74 ms against 0.44-0.68 with the flag, demo model, five
 * rounds each after idle gaps). It is a floor, not a size: under load the young generation grows
 * to V8's usual 16 MB as before. Costs ~30 MB of resident memory (every thread's young generation).
 */
export const SERVE_NODE_FLAGS: readonly string[] = ['--min-semi-space-size=8'];
