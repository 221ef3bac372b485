// An existing records file being adopted (src/writers/record_file, records part of issue 11): eco2AI's
// 13-column emission.csv, an older eco2's layout, or anything a user left at that path. Each input is written
// as the file, then opened as eco2 run opens it. Refusals are eco2::Error(io_error) ("holds other columns")
// or invalid_argument; an accepted file must then be in today's layout, take a row, and open again as is.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "eco2/record.hpp"
#include "fuzz_target.hpp"
#include "writers/csv_writer.hpp"
#include "writers/record_file.hpp"

namespace {

std::filesystem::path work_file() {
    static const std::filesystem::path file = [] {
        const char* shm = "/dev/shm";
        std::filesystem::path base = std::filesystem::is_directory(shm) ? shm : std::filesystem::temp_directory_path();
        std::string templ = (base / "eco2-fuzz-record-XXXXXX").string();
        if (::mkdtemp(templ.data()) == nullptr) std::abort();
        return std::filesystem::path(templ) / "emission.csv";
    }();
    return file;
}

std::string read_whole(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string header = eco2::detail::CsvWriter::header();
    // The adoption itself, in memory (fast): refused only as io_error; the upgraded text has today's header.
    try {
        const auto adopted =
            eco2::detail::adopt_records(eco2::fuzz::text_of(data, size), header, "fuzz/emission.csv");
        ECO2_FUZZ_CHECK(adopted.text.compare(0, header.size() + 1, header + "\n") == 0);
    } catch (const eco2::Error& e) {
        if (e.code() != eco2::Errc::io_error && e.code() != eco2::Errc::invalid_argument) {
            std::fprintf(stderr, "unexpected error code %d: %s\n", static_cast<int>(e.code()), e.what());
            std::abort();
        }
    }
    // Then the same bytes as the file at the records path, opened as eco2 run opens it.
    const std::filesystem::path file = work_file();
    std::filesystem::remove(file);
    for (const auto& e : std::filesystem::directory_iterator(file.parent_path())) std::filesystem::remove_all(e);
    {
        std::ofstream out(file, std::ios::binary);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    try {
        {
            eco2::detail::RecordFile record(file, header);
            eco2::Result row;
            row.project_name = "fuzz";
            const std::string text = eco2::detail::CsvWriter::row(row);
            record.append_reserved(text, text.size() + 16);
            record.rewrite(text, true);
        }
        const std::string after = read_whole(file);
        ECO2_FUZZ_CHECK(after.compare(0, header.size() + 1, header + "\n") == 0);
        eco2::detail::RecordFile again(file, header);  // today's layout now: opens without adoption
    } catch (const eco2::Error& e) {
        if (e.code() != eco2::Errc::io_error && e.code() != eco2::Errc::invalid_argument) {
            std::fprintf(stderr, "unexpected error code %d: %s\n", static_cast<int>(e.code()), e.what());
            std::abort();
        }
    }
    return 0;
}
