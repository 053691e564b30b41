// The config corpus is a fault-suite test; it is pure and fast, so the unit suite runs it too
// (the unit suite loads out/test/unit/**/*.test.js only).
import '../faults/configCorpus.test';
