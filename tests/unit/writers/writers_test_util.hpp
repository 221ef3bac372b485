#pragma once
// Helpers shared by the writers' tests (record_test.cpp, record_file_test.cpp).

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "eco2/record.hpp"
#include "../test_util.hpp"

namespace eco2::test::writers {
using namespace eco2;

inline Result sample_result() {
    Result r;
    r.id = "11111111-2222-4333-8444-555555555555";
    r.project_name = "proj, with comma";
    r.experiment_description = "say \"hi\"";
    r.duration_s = 12.5;
    r.cpu = {3.6e6, "rapl(package-0)", false};
    r.gpu = {7.2e6, "nvml(energy counter: gpu0)", false};
    r.ram = {0.36e6, "ram-model(0.375 W/GiB; estimated)", true};
    r.pue = 1.5;
    r.co2_kg = 1.234;
    r.intensity_g_per_kwh = 56.5;
    r.region = "FR";
    r.status = RunStatus::completed;
    r.exit_code = 3;
    r.samples = 42;
    return r;
}

inline std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
            else if (c == '"') quoted = false;
            else cur += c;
        } else if (c == '"') quoted = true;
        else if (c == ',') out.push_back(cur), cur.clear();
        else cur += c;
    }
    out.push_back(cur);
    return out;
}

inline std::size_t count_lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}



// Runs `body` in a child whose files may not grow past `limit` bytes (RLIMIT_FSIZE: writes past it are short,
// then fail with EFBIG), as a full disk does. Returns the child's exit code.
template <class F>
int with_file_size_limit(rlim_t limit, F body) {
    pid_t pid = ::fork();
    if (pid == 0) {
        ::signal(SIGXFSZ, SIG_IGN);
        rlimit rl{limit, limit};
        ::setrlimit(RLIMIT_FSIZE, &rl);
        int rc = 99;
        try {
            rc = body();
        } catch (...) {
            rc = 98;
        }
        ::_exit(rc);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 97;
}

}  // namespace eco2::test::writers
