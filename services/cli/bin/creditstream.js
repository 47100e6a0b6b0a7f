#!/usr/bin/env node
// Committed launcher: npm links a workspace's bin only when the target exists at install time, and dist/ does not
// exist until the first build. This file always exists, so `npx creditstream` works after `npm ci && npm run build`.
require('../dist/src/main.js');
