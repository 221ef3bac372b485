#include "config/config_file.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>

#include "eco2/error.hpp"

namespace eco2::config {
namespace {

std::string number_text(const toml::node& n) {
    if (auto i = n.as_integer()) return std::to_string(i->get());
    if (auto f = n.as_floating_point()) return fmt::format("{}", f->get());
    return {};
}

class Flattener {
public:
    Flattener(const ConfigFile& file, const std::vector<std::string>& map_keys, std::vector<ConfigEntry>& out)
        : m_file(file), m_map_keys(map_keys), m_out(out) {}

    void table(const toml::table& t, const std::string& prefix) {
        for (auto&& [k, node] : t) {
            const std::string key =
                prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
            const std::size_t line = node.source().begin.line;
            if (const toml::table* sub = node.as_table()) {
                if (std::find(m_map_keys.begin(), m_map_keys.end(), key) != m_map_keys.end())
                    map(*sub, key, line);
                else
                    table(*sub, key);
                continue;
            }
            ConfigEntry e{key, ValueType::string, {}, line};
            switch (node.type()) {
                case toml::node_type::string:
                    e.text = node.as_string()->get();
                    break;
                case toml::node_type::integer:
                    e.type = ValueType::integer;
                    e.text = number_text(node);
                    break;
                case toml::node_type::floating_point:
                    e.type = ValueType::floating;
                    e.text = number_text(node);
                    break;
                case toml::node_type::boolean:
                    e.type = ValueType::boolean;
                    e.text = node.as_boolean()->get() ? "true" : "false";
                    break;
                case toml::node_type::array:
                    throw bad(line, fmt::format("{}: arrays are not used by eco2; give one value", key));
                default:
                    throw bad(line, fmt::format(
                                        "{}: dates and times are not used by eco2; give a string or a number",
                                        key));
            }
            m_out.push_back(std::move(e));
        }
    }

private:
    void map(const toml::table& t, const std::string& key, std::size_t line) {
        std::string text;
        std::size_t first_line = 0;
        for (auto&& [k, node] : t) {
            const std::string value = number_text(node);
            if (value.empty())
                throw bad(node.source().begin.line,
                          fmt::format("{}.\"{}\" must be a number", key, std::string(k.str())));
            if (!text.empty()) text += ',';
            text += fmt::format("{}={}", std::string(k.str()), value);
            if (first_line == 0) first_line = node.source().begin.line;
        }
        m_out.push_back({key, ValueType::table, text, first_line ? first_line : line});
    }

    Error bad(std::size_t line, std::string_view what) const {
        return Error(Errc::invalid_argument, fmt::format("{}:{}: {}", m_file.path, line, what));
    }

    const ConfigFile& m_file;
    const std::vector<std::string>& m_map_keys;
    std::vector<ConfigEntry>& m_out;
};

}  // namespace

std::string_view to_string(ValueType t) noexcept {
    switch (t) {
        case ValueType::string:
            return "a string";
        case ValueType::integer:
            return "an integer";
        case ValueType::floating:
            return "a number";
        case ValueType::boolean:
            return "a boolean";
        case ValueType::table:
            return "a table";
    }
    return "?";
}

std::string ConfigFile::where(const ConfigEntry& e) const {
    return fmt::format("{}:{}", path, e.line);
}

ConfigFile parse_config(std::string_view text, std::string path, const std::vector<std::string>& map_keys) {
    ConfigFile file;
    file.path = std::move(path);
    toml::table root;
    try {
        root = toml::parse(text, file.path);
    } catch (const toml::parse_error& e) {
        throw Error(Errc::invalid_argument, fmt::format("{}:{}:{}: {}", file.path, e.source().begin.line,
                                                        e.source().begin.column, e.description()));
    }
    Flattener(file, map_keys, file.entries).table(root, "");
    std::stable_sort(file.entries.begin(), file.entries.end(),
                     [](const ConfigEntry& a, const ConfigEntry& b) { return a.line < b.line; });
    return file;
}

std::filesystem::path user_config_path(const std::map<std::string, std::string>& environment) {
    if (auto x = environment.find("XDG_CONFIG_HOME");
        x != environment.end() && !x->second.empty() && x->second.front() == '/')
        return std::filesystem::path(x->second) / "eco2" / "config.toml";
    if (auto h = environment.find("HOME"); h != environment.end() && !h->second.empty())
        return std::filesystem::path(h->second) / ".config" / "eco2" / "config.toml";
    return {};
}

}  // namespace eco2::config
