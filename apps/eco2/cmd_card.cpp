// `eco2 card [FILE] [--run ID | --experiment X] --format hf|sci|json [--embodied-kg KG]`: a run's emissions as a
// Hugging Face model-card block, the SCI of ISO/IEC 21031:2024 or JSON (docs/report.md); the logic is
// src/report/report_command.cpp.

#include <iostream>

#include "command.hpp"
#include "report/report_command.hpp"

namespace eco2::cli {
namespace {

struct CardCommand {
    detail::CardRequest request;
    std::string format = "hf";
};

const OptionRow CARD_ROWS[] = {
    {"--run", nullptr, nullptr, Kind::text, "the run: its id or a unique prefix (default: the file's last run)",
     [](CLI::App& app, const OptionRow& row, const std::string& help, Options& o) -> CLI::Option* {
         return app.add_option(row.flags, o.own<CardCommand>().request.run, help);
     }},
    {"--experiment", nullptr, nullptr, Kind::text, "every run of this experiment, taken together",
     [](CLI::App& app, const OptionRow& row, const std::string& help, Options& o) -> CLI::Option* {
         return app.add_option(row.flags, o.own<CardCommand>().request.experiment, help);
     }},
    {"--format", nullptr, nullptr, Kind::text, "hf (model-card YAML, default), sci (ISO/IEC 21031:2024) or json",
     bind<&CardCommand::format>, [] { return CLI::Validator(CLI::IsMember({"hf", "sci", "json"})); }},
    {"--embodied-kg", nullptr, nullptr, Kind::number, "M of the SCI: the hardware's embodied emissions share, kg CO2e",
     [](CLI::App& app, const OptionRow& row, const std::string& help, Options& o) -> CLI::Option* {
         return app.add_option_function<double>(
             row.flags, [&o](double v) { o.own<CardCommand>().request.options.embodied_kg = v; }, help);
     },
     [] { return CLI::Validator(CLI::NonNegativeNumber); }},
    {"--training-type", nullptr, nullptr, Kind::text, "the card's training_type (default pre-training; fine-tuning)",
     [](CLI::App& app, const OptionRow& row, const std::string& help, Options& o) -> CLI::Option* {
         return app.add_option(row.flags, o.own<CardCommand>().request.options.training_type, help);
     }},
};

std::vector<RowGroup> options() { return {CARD_ROWS}; }

void setup(CLI::App& app, Options& o) {
    app.add_option("file", o.own<CardCommand>().request.file, "records file (default emission.csv; - for stdin)");
}

int run(const Options& o) {
    detail::CardRequest q = o.own<CardCommand>().request;
    q.options.format = detail::parse_card_format(o.own<CardCommand>().format);
    q.options.names = option_name;
    return detail::run_card(q, std::cout, std::cerr);
}

}  // namespace

/// `eco2 card`.
extern const CommandSpec card_command{.name = "card",
                                      .help = "a run's emissions: Hugging Face model card, SCI or JSON",
                                      .options = options,
                                      .setup = setup,
                                      .run = run};

}  // namespace eco2::cli
