// A small, deterministic ML-like workload for trying eco2: dense matrix products on every core, over a
// working set of a few hundred MiB, for a few seconds.
//
//   demo_workload [SECONDS=3] [THREADS=all] [MIB=256]
//
// Usage with eco2:  eco2 run -- demo_workload 3

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

constexpr int N = 128;  // matrix side: 3 x 128 x 128 doubles stay in cache; the big buffer is streamed

void worker(double seconds, std::vector<double>& scratch, double& checksum) {
    std::vector<double> a(N * N, 1.0001), b(N * N, 0.9999), c(N * N, 0.0);
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::size_t pos = 0;
    while (std::chrono::steady_clock::now() < end) {
        for (int i = 0; i < N; ++i)
            for (int k = 0; k < N; ++k) {
                const double aik = a[i * N + k];
                for (int j = 0; j < N; ++j) c[i * N + j] += aik * b[k * N + j];
            }
        // Touch the working set like a data loader would.
        for (int i = 0; i < 4096 && !scratch.empty(); ++i) {
            scratch[pos] += c[i % (N * N)] * 1e-9;
            pos = (pos + 4099) % scratch.size();
        }
    }
    checksum = c[0];
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
    unsigned threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : std::thread::hardware_concurrency();
    std::size_t mib = argc > 3 ? static_cast<std::size_t>(std::atol(argv[3])) : 256;
    if (seconds <= 0 || threads == 0) {
        std::fprintf(stderr, "usage: demo_workload [SECONDS>0] [THREADS>0] [MIB]\n");
        return 2;
    }
    std::vector<double> scratch(mib * 1024 * 1024 / sizeof(double), 1.0);  // resident: all pages written
    std::vector<double> sums(threads, 0.0);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back(worker, seconds, std::ref(scratch), std::ref(sums[t]));
    for (auto& th : pool) th.join();
    double total = 0;
    for (double s : sums) total += s;
    std::printf("demo_workload: %u thread(s), %.1f s, %zu MiB, checksum %.6g\n", threads, seconds, mib, total);
    return 0;
}
