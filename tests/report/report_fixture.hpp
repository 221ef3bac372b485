#pragma once
// Rows as a records file of two trainings holds them: two experiments of 4 epochs each, with loss/accuracy.

#include <chrono>
#include <string>
#include <vector>

#include "eco2/record.hpp"

namespace eco2::test {

inline Result epoch_row(const std::string& id, const std::string& experiment, int epoch, double scale) {
    Result r;
    r.id = id;
    r.project_name = "vision";
    r.experiment_description = experiment;
    r.epoch_number = epoch;
    r.epoch = "epoch: " + std::to_string(epoch);
    r.start_time = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 56);
    r.duration_s = 60.0 * scale;
    r.cpu = {3600.0 * 20 * scale, "rapl(package-0; process share by CPU time)", false};
    r.gpu = {3600.0 * 150 * scale, "nvml(energy counter: gpu0)", false};
    r.ram = {3600.0 * 3 * scale, "ram-model(0.375 W/GiB; estimated)", true};
    r.pue = 1.0;
    r.intensity_g_per_kwh = 56.0;
    r.co2_kg = r.energy_kwh() * 56.0 / 1e3;
    r.region = "FR";
    r.location_source = "flag --region FR; Electricity Maps yearly average 2025";
    r.cpu_name = "AMD EPYC 7763";
    r.gpu_name = "NVIDIA A100-SXM4-40GB x1";
    r.host = "node1";
    r.status = RunStatus::completed;
    r.work.items = 50000;
    const double loss = 1.0 / (epoch * scale);
    r.epoch_params_json = "{\"epoch\":" + std::to_string(epoch) + ",\"loss\":" + std::to_string(loss) +
                          ",\"accuracy\":" + std::to_string(1.0 - loss / 2) + "}";
    return r;
}

/// Two experiments ("small", "large") of 4 epochs each.
inline std::vector<Result> two_trainings() {
    std::vector<Result> rows;
    for (int e = 1; e <= 4; ++e) rows.push_back(epoch_row("11111111-aaaa-4bbb-8ccc-000000000001", "small", e, 1.0));
    for (int e = 1; e <= 4; ++e) rows.push_back(epoch_row("22222222-aaaa-4bbb-8ccc-000000000002", "large", e, 2.5));
    return rows;
}

}  // namespace eco2::test
