#include "writers/csv_writer.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <sstream>

#include <fmt/format.h>

namespace eco2::detail {
namespace {

std::string kwh(double joules) { return fmt::format("{:.10g}", joules / 3.6e6); }

}  // namespace

namespace {

std::string g10(double v) { return fmt::format("{:.10g}", v); }
std::string opt(const std::optional<double>& v) { return v ? g10(*v) : std::string(); }
std::string opt_int(const std::optional<int>& v) { return v ? std::to_string(*v) : std::string(); }

// The record format: one row per {column name, formatter}. The first 13 are eco2AI's, same names and order;
// columns appended since go at the end (older files are a prefix, see RecordFile's adoption).
const CsvWriter::Column TABLE[] = {
    // eco2AI's columns, same names and order
    {"id", [](const Result& r) { return r.id; }},
    {"project_name", [](const Result& r) { return r.project_name; }},
    {"experiment_description", [](const Result& r) { return r.experiment_description; }},
    {"epoch", [](const Result& r) { return r.epoch; }},
    {"start_time", [](const Result& r) { return format_local_time(r.start_time); }},
    {"duration(s)", [](const Result& r) { return fmt::format("{:.3f}", r.duration_s); }},
    {"power_consumption(kWh)", [](const Result& r) { return g10(r.energy_kwh()); }},
    {"CO2_emissions(kg)", [](const Result& r) { return g10(r.co2_kg); }},
    {"CPU_name", [](const Result& r) { return r.cpu_name; }},
    {"GPU_name", [](const Result& r) { return r.gpu_name; }},
    {"OS", [](const Result& r) { return r.os; }},
    {"region/country", [](const Result& r) { return r.region; }},
    {"cost", [](const Result& r) { return opt(r.cost); }},
    // eco2's
    {"cpu_energy(kWh)", [](const Result& r) { return kwh(r.cpu.joules); }},
    {"gpu_energy(kWh)", [](const Result& r) { return kwh(r.gpu.joules); }},
    {"ram_energy(kWh)", [](const Result& r) { return kwh(r.ram.joules); }},
    {"intensity(gCO2/kWh)", [](const Result& r) { return fmt::format("{:.6g}", r.intensity_g_per_kwh); }},
    {"pue", [](const Result& r) { return fmt::format("{:g}", r.pue); }},
    {"cpu_source", [](const Result& r) { return r.cpu.source; }},
    {"gpu_source", [](const Result& r) { return r.gpu.source; }},
    {"ram_source", [](const Result& r) { return r.ram.source; }},
    {"location_source", [](const Result& r) { return r.location_source; }},
    {"scope", [](const Result& r) { return std::string(to_string(r.scope)); }},
    {"host", [](const Result& r) { return r.host; }},
    {"estimated", [](const Result& r) { return std::string(r.estimated() ? "true" : "false"); }},
    {"epoch_params", [](const Result& r) { return r.epoch_params_json; }},
    {"items", [](const Result& r) { return opt(r.work.items); }},
    {"energy_per_item(J)", [](const Result& r) { return opt(r.energy_per_item_j()); }},
    {"error_rate", [](const Result& r) { return opt(r.work.error_rate); }},
    {"energy_precision_ratio", [](const Result& r) { return opt(r.energy_precision_ratio()); }},
    {"flops", [](const Result& r) { return opt(r.work.flops); }},
    {"flop_per_joule", [](const Result& r) { return opt(r.flop_per_joule()); }},
    {"predicted_duration(s)",
     [](const Result& r) { return r.prediction ? fmt::format("{:.3f}", r.prediction->duration_s) : std::string(); }},
    {"predicted_energy(kWh)",
     [](const Result& r) { return r.prediction ? g10(r.prediction->energy_kwh) : std::string(); }},
    {"predicted_co2(kg)", [](const Result& r) { return r.prediction ? g10(r.prediction->co2_kg) : std::string(); }},
    {"status", [](const Result& r) { return std::string(to_string(r.status)); }},
    {"exit_code", [](const Result& r) { return r.exit_code ? std::to_string(*r.exit_code) : std::string(); }},
    {"read_failures", [](const Result& r) { return std::to_string(r.read_failures); }},
    {"samples", [](const Result& r) { return std::to_string(r.samples); }},
    // appended since (older files are a prefix)
    {"tree_source", [](const Result& r) { return r.tree_source; }},
    {"left_running", [](const Result& r) { return r.left_running ? std::to_string(*r.left_running) : std::string(); }},
    {"cpu_time(s)", [](const Result& r) { return fmt::format("{:.17g}", r.cpu_time_s); }},
    // the job's ranks (docs/scale-out.md), empty outside a job
    {"job_id", [](const Result& r) { return r.job.job_id; }},
    {"rank", [](const Result& r) { return opt_int(r.job.rank); }},
    {"local_rank", [](const Result& r) { return opt_int(r.job.local_rank); }},
    {"node_rank", [](const Result& r) { return opt_int(r.job.node_rank); }},
    // Always a number (a run outside a job is a world of one): trailing padding (RecordFile) keeps its type.
    {"world_size", [](const Result& r) { return std::to_string(r.job.world_size.value_or(1)); }},
};

}  // namespace

std::span<const CsvWriter::Column> CsvWriter::table() noexcept { return TABLE; }

const std::vector<std::string_view>& CsvWriter::columns() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> n;
        for (const Column& c : TABLE) n.push_back(c.name);
        return n;
    }();
    return names;
}

std::string CsvWriter::header() {
    std::string h;
    for (auto c : columns()) {
        if (!h.empty()) h += ',';
        h += c;
    }
    return h;
}

void CsvWriter::field(std::ostream& out, std::string_view v) {
    if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
        out << v;
        return;
    }
    out << '"';
    for (char c : v) {
        if (c == '"') out << '"';
        out << c;
    }
    out << '"';
}

void CsvWriter::row(std::ostream& out, const Result& r) {
    bool first = true;
    for (const Column& c : TABLE) {
        if (!first) out << ',';
        first = false;
        field(out, c.format(r));
    }
}

std::string CsvWriter::row(const Result& r) {
    std::ostringstream s;
    row(s, r);
    return s.str();
}

std::string python_float_text(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    const auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific).ptr;  // shortest
    const std::string_view s(buf, static_cast<std::size_t>(end - buf));
    const std::size_t e = s.find('e');
    std::string out;
    std::string_view mant = s.substr(0, e);
    if (!mant.empty() && mant.front() == '-') {
        out += '-';
        mant.remove_prefix(1);
    }
    std::string digits;
    for (char c : mant)
        if (c != '.') digits += c;
    const int exp = std::atoi(std::string(s.substr(e + 1)).c_str());
    // Python's repr: positional while the decimal exponent is in [-4, 16), else d.ddde+XX.
    if (exp < -4 || exp >= 16) {
        out += digits[0];
        if (digits.size() > 1) {  // appended piece by piece: GCC 12 warns falsely (-Wrestrict) on '.' + string
            out += '.';
            out.append(digits, 1);
        }
        out += fmt::format("e{}{:02}", exp < 0 ? '-' : '+', std::abs(exp));
        return out;
    }
    const int point = exp + 1;  // digits before the decimal point
    const int n = static_cast<int>(digits.size());
    if (point <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-point), '0');
        out += digits;
    } else if (point >= n) {
        out += digits;
        out.append(static_cast<std::size_t>(point - n), '0');
        out += ".0";
    } else {
        out.append(digits, 0, static_cast<std::size_t>(point));
        out += '.';
        out.append(digits, static_cast<std::size_t>(point));
    }
    return out;
}

std::string param_text(const std::variant<double, std::int64_t, std::string>& v) {
    if (const double* d = std::get_if<double>(&v)) return python_float_text(*d);
    if (const std::int64_t* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    return std::get<std::string>(v);
}

std::string format_local_time(std::chrono::system_clock::time_point t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::localtime_r(&tt, &tm);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace eco2::detail
