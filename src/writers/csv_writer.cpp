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

const std::vector<std::string_view>& CsvWriter::columns() {
    static const std::vector<std::string_view> names{
        // eco2AI's columns, same names and order
        "id", "project_name", "experiment_description", "epoch", "start_time", "duration(s)",
        "power_consumption(kWh)", "CO2_emissions(kg)", "CPU_name", "GPU_name", "OS", "region/country", "cost",
        // eco2's
        "cpu_energy(kWh)", "gpu_energy(kWh)", "ram_energy(kWh)", "intensity(gCO2/kWh)", "pue", "cpu_source",
        "gpu_source", "ram_source", "location_source", "scope", "host", "estimated", "epoch_params", "items",
        "energy_per_item(J)", "error_rate", "energy_precision_ratio", "flops", "flop_per_joule",
        "predicted_duration(s)", "predicted_energy(kWh)", "predicted_co2(kg)", "status", "exit_code",
        "read_failures", "samples",
        // appended since (older files are a prefix)
        "tree_source", "left_running", "cpu_time(s)",
        // the job's ranks (docs/scale-out.md); world_size is last because it is always a number
        "job_id", "rank", "local_rank", "node_rank", "world_size"};
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
    auto f = [&](std::string_view v, bool last = false) {
        field(out, v);
        if (!last) out << ',';
    };
    f(r.id);
    f(r.project_name);
    f(r.experiment_description);
    f(r.epoch);
    f(format_local_time(r.start_time));
    f(fmt::format("{:.3f}", r.duration_s));
    f(fmt::format("{:.10g}", r.energy_kwh()));
    f(fmt::format("{:.10g}", r.co2_kg));
    f(r.cpu_name);
    f(r.gpu_name);
    f(r.os);
    f(r.region);
    f(r.cost ? fmt::format("{:.10g}", *r.cost) : std::string());
    f(kwh(r.cpu.joules));
    f(kwh(r.gpu.joules));
    f(kwh(r.ram.joules));
    f(fmt::format("{:.6g}", r.intensity_g_per_kwh));
    f(fmt::format("{:g}", r.pue));
    f(r.cpu.source);
    f(r.gpu.source);
    f(r.ram.source);
    f(r.location_source);
    f(to_string(r.scope));
    f(r.host);
    f(r.estimated() ? "true" : "false");
    auto opt = [](const std::optional<double>& v) { return v ? fmt::format("{:.10g}", *v) : std::string(); };
    f(r.epoch_params_json);
    f(opt(r.work.items));
    f(opt(r.energy_per_item_j()));
    f(opt(r.work.error_rate));
    f(opt(r.energy_precision_ratio()));
    f(opt(r.work.flops));
    f(opt(r.flop_per_joule()));
    f(r.prediction ? fmt::format("{:.3f}", r.prediction->duration_s) : std::string());
    f(r.prediction ? fmt::format("{:.10g}", r.prediction->energy_kwh) : std::string());
    f(r.prediction ? fmt::format("{:.10g}", r.prediction->co2_kg) : std::string());
    f(to_string(r.status));
    f(r.exit_code ? std::to_string(*r.exit_code) : std::string());
    f(std::to_string(r.read_failures));
    f(std::to_string(r.samples));
    f(r.tree_source);
    f(r.left_running ? std::to_string(*r.left_running) : std::string());
    f(fmt::format("{:.17g}", r.cpu_time_s));
    auto opt_int = [](const std::optional<int>& v) { return v ? std::to_string(*v) : std::string(); };
    f(r.job.job_id);
    f(opt_int(r.job.rank));
    f(opt_int(r.job.local_rank));
    f(opt_int(r.job.node_rank));
    f(std::to_string(r.job.world_size.value_or(1)), true);  // a run outside a job is a world of one
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
