#include "core/tracker_setup.hpp"

#include <fmt/format.h>
#include <gnu/libc-version.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <random>

#include "eco2/error.hpp"
#include "sensors/cpu_tdp_table.hpp"

namespace eco2::detail {
namespace {

std::string new_run_id() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned> byte(0, 255);
    unsigned char b[16];
    for (auto& x : b) x = static_cast<unsigned char>(byte(rd));
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                       b[14], b[15]);
}

// Python's platform.platform() form, which eco2AI records: Linux-<release>-<machine>-with-glibc<version>.
std::string os_string() {
    utsname u{};
    if (::uname(&u) != 0) return "unknown";
    return fmt::format("{}-{}-{}-with-glibc{}", u.sysname, u.release, u.machine, gnu_get_libc_version());
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
}

}  // namespace

void validate(const TrackerConfig& c) {
    auto bad = [](const std::string& m) { throw Error(Errc::invalid_argument, m); };
    if (!std::isfinite(c.sampling.period_s) || c.sampling.period_s < 0.01 || c.sampling.period_s > 3600)
        bad(fmt::format("sampling period must be between 0.01 and 3600 s, got {}", c.sampling.period_s));
    if (!std::isfinite(c.sampling.checkpoint_s) || c.sampling.checkpoint_s <= 0)
        bad(fmt::format("checkpoint interval must be a positive number of seconds, got {}", c.sampling.checkpoint_s));
    if (!std::isfinite(c.pue) || c.pue < 1.0 || c.pue > 10.0)
        bad(fmt::format("PUE must be between 1 and 10 (1 = no facility overhead), got {}", c.pue));
    if (c.sampling.root_pid < 0) bad(fmt::format("root pid must be positive, got {}", c.sampling.root_pid));
    if (c.training.expected_epochs < 0) bad(fmt::format("expected epochs must be >= 0, got {}", c.training.expected_epochs));
    if (c.training.predict_after < 1) bad(fmt::format("predict after must be >= 1 epoch, got {}", c.training.predict_after));
    if (c.training.budget_kwh && !(*c.training.budget_kwh > 0)) bad("energy budget must be > 0 kWh");
    if (c.training.budget_kg && !(*c.training.budget_kg > 0)) bad("CO2 budget must be > 0 kg");
    if (!std::isfinite(c.training.efficiency_alpha) || c.training.efficiency_alpha < 0)
        bad(fmt::format("efficiency alpha must be a number >= 0, got {}", c.training.efficiency_alpha));
    if (c.cpu_tdp_w && !(std::isfinite(*c.cpu_tdp_w) && *c.cpu_tdp_w >= 0.1 && *c.cpu_tdp_w <= 100000))
        bad(fmt::format("CPU TDP must be between 0.1 and 100000 W, got {}", *c.cpu_tdp_w));
    if (!c.cpu_name.empty() && !c.cpu_tdp_w && !match_cpu_tdp(c.cpu_name))
        bad(
            fmt::format("CPU \"{}\" is not in eco2's TDP table: give its power instead with {}, from the "
                        "vendor's specification page",
                        c.cpu_name, mention("cpu_tdp", "W")));
}

Result first_result(const TrackerConfig& c, const IntensityProvider& intensity) {
    Result r;
    r.id = new_run_id();
    r.project_name = c.project_name;
    r.experiment_description = c.experiment_description;
    r.start_time = std::chrono::system_clock::now();
    r.pue = c.pue;
    r.scope = c.sampling.scope;
    r.os = os_string();
    r.host = host_name();
    r.region = intensity.region();
    r.location_source = intensity.source();
    r.intensity_g_per_kwh = intensity.at(r.start_time);
    r.efficiency_alpha = c.training.efficiency_alpha;
    if (c.price) {
        r.cost = 0.0;
        r.currency = c.price->currency();
    }
    r.status = RunStatus::running;
    return r;
}

JobSetup tracker_job(const TrackerConfig& c, const Environment& env) {
    const JobInfo& j = c.job;
    const bool given = !j.job_id.empty() || !j.source.empty() || j.rank || j.local_rank || j.node_rank ||
                       j.world_size || j.nodes;
    if (given || !c.detect_job) return JobSetup{j, c.job_runtime_dir, {}};
    return job_setup(env, ::getuid());
}

std::string world_average_warning() {
    return fmt::format("no carbon intensity set: the world average {} gCO2/kWh was used; set the intensity "
                       "(gCO2/kWh) or the region of your grid",
                       WORLD_AVERAGE_G_PER_KWH);
}

}  // namespace eco2::detail
