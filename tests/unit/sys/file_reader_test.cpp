#include "sys/file_reader.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>

#include "../test_util.hpp"

using namespace eco2::sys;
using eco2::test::TempDir;

// issue 11: a FIFO or /dev/zero in a fake tree (ECO2_PROC_ROOT, ECO2_SYS_ROOT) hung `eco2 sensors`.
TEST(FileReader, RefusesFifosDevicesAndHugeFilesWithoutWaiting) {
    TempDir dir;
    const auto fifo = dir / "energy_uj";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const auto t0 = std::chrono::steady_clock::now();
    ReadResult r = default_reader().read(fifo);  // no writer: a blocking open would wait for ever
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.error, EINVAL);
    r = default_reader().read("/dev/zero");  // endless: reading it whole would never end
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.error, EINVAL);
    r = default_reader().read(dir.path());
    EXPECT_FALSE(r.ok());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));

    const auto big = dir / "stat";
    {
        std::ofstream out(big, std::ios::binary);
        std::string chunk(1 << 20, 'x');
        for (std::size_t i = 0; i <= MAX_FILE_SIZE / chunk.size(); ++i) out << chunk;
    }
    r = default_reader().read(big);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.error, EFBIG);
    EXPECT_TRUE(r.text.empty());

    const auto small = dir / "energy_uj.ok";
    std::ofstream(small) << "123\n";
    EXPECT_EQ(read_u64(default_reader(), small), 123u);
    EXPECT_EQ(read_u64(default_reader(), "/proc/self/stat").has_value(), false);  // not one number, but read
    EXPECT_TRUE(default_reader().read("/proc/self/stat").ok());  // procfs files are regular, size 0
}
