#pragma once
// Records files for the report tests: two experiments of 4 epochs each (with loss and accuracy, 1000 items per
// epoch), and a run outside training on another host.

#include <fstream>
#include <string>

#include <fmt/format.h>

#include "../test_util.hpp"
#include "writers/csv_writer.hpp"

namespace eco2::test {

/// Experiment resnet: 39.96 kJ and 60 s per epoch, accuracy 0.75..0.9; vit: twice the energy and time,
/// accuracy 0.8..0.95. At 56 gCO2/kWh, PUE 1.
inline std::string two_experiments() {
    using detail::CsvWriter;
    using detail::python_float_text;
    std::string text = CsvWriter::header() + "\n";
    for (int x = 0; x < 2; ++x)
        for (int e = 1; e <= 4; ++e) {
            Result r;
            r.id = x == 0 ? "aaaaaaaa-0000-4000-8000-000000000001" : "bbbbbbbb-0000-4000-8000-000000000002";
            r.project_name = "vision";
            r.experiment_description = x == 0 ? "resnet" : "vit";
            const double acc = 0.7 + 0.05 * x + 0.05 * e;
            r.epoch = fmt::format("epoch: {}, loss: {}, accuracy: {}", e, python_float_text(1.0 / e),
                                  python_float_text(acc));
            r.epoch_params_json = fmt::format(R"({{"epoch":{},"loss":{},"accuracy":{}}})", e,
                                              python_float_text(1.0 / e), python_float_text(acc));
            r.epoch_number = e;
            r.work.items = 1000;
            r.work.error_rate = 1 - acc;
            r.duration_s = 60.0 * (x + 1);
            r.cpu = {3600.0 * (x + 1), "rapl(package-0)", false};
            r.gpu = {36000.0 * (x + 1), "nvml(energy counter: gpu0)", false};
            r.ram = {360.0, "ram-model(0.375 W/GiB; estimated)", true};
            r.pue = 1.0;
            r.co2_kg = r.energy_kwh() * 0.056;  // 56 gCO2/kWh
            r.intensity_g_per_kwh = 56;
            r.host = "gpu1";
            r.status = RunStatus::completed;
            text += CsvWriter::row(r) + "\n";
        }
    Result other;
    other.id = "cccccccc-0000-4000-8000-000000000003";
    other.project_name = "nlp";
    other.experiment_description = "tokenize";
    other.duration_s = 5;
    other.cpu = {500, "tdp-model(100 W default; estimated)", true};
    other.co2_kg = other.energy_kwh() * 0.4;
    other.host = "laptop";
    other.status = RunStatus::interrupted;
    text += CsvWriter::row(other) + "\n";
    return text;
}

/// A records file in a temporary directory.
struct Files {
    test::TempDir dir;
    std::string path = (dir / "runs.csv").string();
    explicit Files(const std::string& text) { std::ofstream(path) << text; }
};

}  // namespace eco2::test
