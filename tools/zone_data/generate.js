// The data/ files, generated in memory from the installed packages: the tables, SOURCE.md, LICENSE and NOTICE.
'use strict';

const path = require('path');
const { pathToFileURL } = require('url');
const { fail } = require('./common');
const { requirePackage } = require('./packages');
const { folded, words, hasWords, byCodeUnits, asciiAliases, csv, number } = require('./text');
const { sourceMd, licenseText, noticeText } = require('./notices');

async function generate(pkgs) {
    const co2 = requirePackage(pkgs.co2, 'dist/cjs/data.js');
    const countryNames = requirePackage(pkgs.countries, 'langs/en.json').countries;
    const countryCodes = requirePackage(pkgs.countries, 'codes.json');
    const { iso31662 } = await import(pathToFileURL(path.join(pkgs.subdivisions.dir, 'index.js')).href);

    const files = {};

    // ISO 3166-1: codes and English names (first name is the usual one, the rest are aliases).
    const countries = countryCodes
        .map(([alpha2, alpha3, numeric]) => {
            const given = countryNames[alpha2];
            if (given === undefined) fail(`${pkgs.countries.name}: no English name for ${alpha2}`);
            const names = Array.isArray(given) ? given : [given];
            return { alpha2, alpha3, numeric, name: names[0], aliases: [...names.slice(1), ...asciiAliases(names)] };
        })
        .sort((a, b) => byCodeUnits(a.alpha2, b.alpha2));
    const alpha2s = new Set(countries.map((c) => c.alpha2));
    files['countries.csv'] = csv(['alpha2', 'alpha3', 'numeric', 'name', 'aliases'],
                                 countries.map((c) => [c.alpha2, c.alpha3, c.numeric, c.name, c.aliases.join('|')]));

    // Electricity Maps yearly zone data: one export per year, yearlyYYYY.
    const em = co2.electricityMaps;
    const years = Object.keys(em)
        .map((k) => /^yearly(\d{4})$/.exec(k))
        .filter(Boolean)
        .map((m) => Number(m[1]))
        .sort();
    if (years.length === 0) fail(`${pkgs.co2.name}: no electricityMaps.yearlyYYYY export`);
    const zones = new Map();
    const values = [];
    let methodology = '';
    for (const year of years) {
        const table = em[`yearly${year}`];
        methodology = methodology || table.methodology || '';
        for (const [key, z] of Object.entries(table.data)) {
            const what = `${pkgs.co2.name} electricityMaps.yearly${year}.${key}`;
            if (!z.carbonIntensity || z.carbonIntensity.unit !== 'gCO2eq/kWh')
                fail(`${what}: carbon intensity unit is not gCO2eq/kWh`);
            const country = key.split('-')[0];
            if (!alpha2s.has(country)) fail(`${what}: ${country} is not an ISO 3166-1 alpha-2 code`);
            // Names come from the latest year that has the zone.
            const names = [z.zone.zoneName, z.zone.displayName].filter(Boolean);
            zones.set(key, { key, country, name: z.zone.zoneName || key, display: z.zone.displayName || '',
                             aliases: asciiAliases(names) });
            const pct = (f) => (z[f] && typeof z[f].value === 'number' ? number(z[f].value, `${what}.${f}`) : '');
            values.push([key, year, number(z.carbonIntensity.value, what), pct('renewableEnergy'),
                         pct('carbonFreeEnergy')]);
        }
    }
    const zoneList = [...zones.values()].sort((a, b) => byCodeUnits(a.key, b.key));
    values.sort((a, b) => byCodeUnits(a[0], b[0]) || a[1] - b[1]);
    files['zones.csv'] = csv(['zone', 'country', 'name', 'display_name', 'aliases'],
                             zoneList.map((z) => [z.key, z.country, z.name, z.display, z.aliases.join('|')]));
    files['zones_average.csv'] = csv(['zone', 'year', 'g_co2eq_per_kwh', 'renewable_pct', 'carbon_free_pct'], values);

    // Ember country / aggregate averages and the marginal table, keyed as the package keys them.
    const average = co2.averageIntensity.data;
    files['countries_average.csv'] = csv(
        ['code', 'g_co2eq_per_kwh'],
        Object.keys(average).sort(byCodeUnits).map((k) => [k, number(average[k], `averageIntensity.${k}`)]));
    const marginal = co2.marginalIntensity;
    const marginalYear = number(marginal.year, 'marginalIntensity.year');
    files['countries_marginal.csv'] = csv(
        ['code', 'year', 'g_co2eq_per_kwh'],
        Object.keys(marginal.data).sort(byCodeUnits)
            .map((k) => [k, marginalYear, number(marginal.data[k], `marginalIntensity.${k}`)]));

    // ISO 3166-2 subdivisions of the countries that Electricity Maps splits into zones, and the zone that
    // stands for each where one does: the zone bearing the subdivision's name (AU-NSW "New South Wales"), else
    // the one zone named after it ("California ISO" for US-CA), else none (several: US-FL).
    const split = new Set(zoneList.filter((z) => z.key.includes('-')).map((z) => z.country));
    const subdivisions = [];
    for (const s of [...iso31662].sort((a, b) => byCodeUnits(a.code, b.code))) {
        if (!split.has(s.parent)) continue;
        const inCountry = zoneList.filter((z) => z.key.startsWith(`${s.parent}-`));
        const names = (z) => [z.name, z.display].filter(Boolean);
        let zone = '', match = '', candidates = [];
        const same = inCountry.filter((z) => names(z).some((n) => folded(n) === folded(s.name)));
        const after = inCountry.filter((z) => names(z).some((n) => hasWords(n, s.name)));
        const first = after.filter((z) => names(z).some((n) => words(n).join(' ').startsWith(words(s.name).join(' '))));
        if (same.length === 1) {
            [zone, match] = [same[0].key, 'same_name'];
        } else if (same.length > 1) {
            candidates = same;
        } else if (after.length === 1) {
            [zone, match] = [after[0].key, 'named_after'];
        } else if (first.length === 1) {
            [zone, match] = [first[0].key, 'named_after'];
        } else {
            candidates = after;
        }
        subdivisions.push([s.code, s.parent, s.name, asciiAliases([s.name]).join('|'), zone, match,
                           candidates.map((z) => z.key).join('|')]);
    }
    files['subdivisions.csv'] = csv(['code', 'country', 'name', 'aliases', 'zone', 'match', 'candidates'], subdivisions);

    // Provenance, read by eco2 for its source strings.
    const upstreamEm = methodology || 'https://www.electricitymaps.com/data/methodology';
    const sources = [
        ['electricity_maps', 'Electricity Maps yearly average', pkgs.co2.name, pkgs.co2.version, pkgs.co2.integrity,
         'ODbL-1.0', `${years[0]}-${years[years.length - 1]}`, upstreamEm],
        ['ember', 'Ember yearly average', pkgs.co2.name, pkgs.co2.version, pkgs.co2.integrity, 'CC-BY-SA-4.0', '',
         'https://ember-climate.org/data/data-explorer/'],
        ['marginal', 'UNFCCC IFI operating margin', pkgs.co2.name, pkgs.co2.version, pkgs.co2.integrity,
         'CC-BY-SA-4.0', marginalYear, 'https://developers.thegreenwebfoundation.org/co2js/data/'],
        ['iso3166_1', 'ISO 3166-1 codes and English names', pkgs.countries.name, pkgs.countries.version,
         pkgs.countries.integrity, 'MIT', '', 'https://github.com/michaelwittig/node-i18n-iso-countries'],
        ['iso3166_2', 'ISO 3166-2 subdivisions', pkgs.subdivisions.name, pkgs.subdivisions.version,
         pkgs.subdivisions.integrity, 'MIT', '', 'https://github.com/wooorm/iso-3166'],
    ];
    files['sources.csv'] = csv(['dataset', 'title', 'package', 'version', 'integrity', 'license', 'years', 'upstream'],
                               sources);

    const counts = { zones: zoneList.length, years, values, countries: countries.length,
                     average: Object.keys(average).length, marginal: Object.keys(marginal.data).length,
                     marginalYear, subdivisions: subdivisions.length,
                     mapped: subdivisions.filter((s) => s[4]).length };
    files['SOURCE.md'] = sourceMd(pkgs, counts, upstreamEm);
    files['LICENSE'] = licenseText(pkgs);
    files['NOTICE'] = noticeText(pkgs, years);
    return files;
}

module.exports = { generate };
