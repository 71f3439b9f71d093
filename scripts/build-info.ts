/** Records what the production build was made from, for the doctor's "build matches the source" check. */
import fs from 'node:fs';
import path from 'node:path';
import { BUILD_INFO_FILE, sourceHash } from '../app/utils/source-hash.server';

const root = process.cwd();
fs.writeFileSync(path.join(root, BUILD_INFO_FILE), `${JSON.stringify({ sourceHash: sourceHash(root), builtAt: new Date().toISOString() }, null, 2)}\n`);
