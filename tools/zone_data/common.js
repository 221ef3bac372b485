// Paths and the error exit shared by tools/regen_zone_data and its parts in this folder.
'use strict';

const path = require('path');

const TOOLS = path.resolve(__dirname, '..');
const ROOT = path.resolve(TOOLS, '..');
const MODULES = path.join(TOOLS, 'node_modules');
const DATA = path.join(ROOT, 'data');
const EMBED_CPP = path.join(ROOT, 'src', 'carbon', 'generated', 'zone_data.cpp');

function fail(message, code = 2) {
    process.stderr.write(`regen_zone_data: ${message}\n`);
    process.exit(code);
}

module.exports = { ROOT, TOOLS, MODULES, DATA, EMBED_CPP, fail };
