// Name folding and CSV writing for the generated tables.
'use strict';

const { fail } = require('./common');

function ascii(s) {
    return s.normalize('NFD').replace(/\p{M}/gu, '');
}

function folded(s) {
    return ascii(s).toLowerCase();
}

function words(s) {
    return folded(s).split(/[^a-z0-9]+/).filter(Boolean);
}

function hasWords(haystack, needle) {
    return ` ${words(haystack).join(' ')} `.includes(` ${words(needle).join(' ')} `);
}

function byCodeUnits(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}

// ASCII spellings of the names that differ from every name given (so "Quebec" finds "Québec").
function asciiAliases(names) {
    const out = [];
    for (const n of names) {
        const a = ascii(n);
        if (a !== n && !names.includes(a) && !out.includes(a)) out.push(a);
    }
    return out;
}

function csvField(v) {
    const s = v === undefined || v === null ? '' : String(v);
    return /[",\n\r]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(header, rows) {
    return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

// A number as the package gives it, in plain decimal notation.
function number(v, what) {
    const n = typeof v === 'number' ? v : Number(v);
    if (typeof v === 'string' && v.trim() === '') fail(`${what}: empty value`);
    if (!Number.isFinite(n) || n < 0) fail(`${what}: not a number >= 0: ${JSON.stringify(v)}`);
    const s = String(n);
    if (/e/i.test(s)) fail(`${what}: ${s} has no plain decimal form`);
    return s;
}

module.exports = { ascii, folded, words, hasWords, byCodeUnits, asciiAliases, csv, number };
