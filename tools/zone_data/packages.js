// The npm packages the zone data comes from: which versions, installing them, finding what is installed.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { TOOLS, MODULES, DATA, fail } = require('./common');

// Packages and the versions this tree was generated from.
const PACKAGES = {
    co2: { name: '@tgwf/co2', pinned: '0.19.0', env: 'ECO2_CO2JS_VERSION', flag: '--co2-version' },
    countries: { name: 'i18n-iso-countries', pinned: '7.14.0', env: 'ECO2_I18N_ISO_COUNTRIES_VERSION',
                 flag: '--countries-version' },
    subdivisions: { name: 'iso-3166', pinned: '4.4.0', env: 'ECO2_ISO_3166_VERSION', flag: '--subdivisions-version' },
};

function npmInstall(versions) {
    const specs = Object.keys(PACKAGES).map((k) => `${PACKAGES[k].name}@${versions[k]}`);
    process.stderr.write(`regen_zone_data: npm install ${specs.join(' ')}\n`);
    execFileSync('npm', ['install', '--prefix', TOOLS, '--no-save', '--no-package-lock', '--no-audit', '--no-fund',
                         '--ignore-scripts', ...specs], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function packageDir(name) {
    return path.join(MODULES, ...name.split('/'));
}

// Version and integrity of an installed package, from npm's hidden lockfile (no network).
function installedPackage(name) {
    const manifest = path.join(packageDir(name), 'package.json');
    if (!fs.existsSync(manifest)) return null;
    const version = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
    let integrity = '';
    const lock = path.join(MODULES, '.package-lock.json');
    if (fs.existsSync(lock)) {
        const entry = JSON.parse(fs.readFileSync(lock, 'utf8')).packages[`node_modules/${name}`];
        if (entry && entry.version === version) integrity = entry.integrity || '';
    }
    return { name, version, integrity, dir: packageDir(name) };
}

function requirePackage(pkg, sub) {
    return require(path.join(pkg.dir, sub));
}

function recordedVersions() {
    const p = path.join(DATA, 'sources.csv');
    if (!fs.existsSync(p)) return {};
    const out = {};
    for (const line of fs.readFileSync(p, 'utf8').split('\n').slice(1)) {
        const f = line.split(',');
        if (f.length > 3) out[f[2]] = f[3];
    }
    return out;
}

function loadPackages(opts) {
    const pkgs = {};
    for (const key of Object.keys(PACKAGES)) {
        const p = installedPackage(PACKAGES[key].name);
        if (!p) return { missing: `${PACKAGES[key].name} is not installed in tools/node_modules` };
        pkgs[key] = p;
    }
    if (opts.mode === 'check') {
        const recorded = recordedVersions();
        for (const p of Object.values(pkgs)) {
            if (recorded[p.name] !== p.version)
                return { missing: `tools/node_modules has ${p.name} ${p.version}, data/ was made from ` +
                                  `${recorded[p.name] || 'another version'}` };
        }
    } else {
        for (const key of Object.keys(PACKAGES)) {
            if (pkgs[key].version !== opts.versions[key])
                fail(`tools/node_modules has ${pkgs[key].name} ${pkgs[key].version}, not ${opts.versions[key]}`);
        }
    }
    return { pkgs };
}

module.exports = { PACKAGES, npmInstall, requirePackage, loadPackages };
