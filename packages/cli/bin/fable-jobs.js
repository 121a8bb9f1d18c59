#!/usr/bin/env node
// Fable Jobs runs from TypeScript source on Node >= 22.12 (type stripping); refuse older Node clearly.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`fable-jobs needs Node >= 22.12 (this is ${process.version}). Run it through \`npm run fable-jobs --\`, which installs Node 24.\n`);
  process.exit(1);
}
await import('../src/main.ts');
