// libeco2_http.so: one HTTP(S) GET behind the C interface of http_get.h, for eco2 to dlopen when it needs it.

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "http/http_get.h"

namespace {

void set_error(eco2_http_answer* out, const std::string& text) {
    std::snprintf(out->error, sizeof out->error, "%s", text.c_str());
}

// cpp-httplib's timeouts bound each connect, read and write: a server sending one byte every half second
// never trips them. The deadline for the whole request is kept by this watchdog: once it passes, it stops the
// client (shutdown(2) of its socket, which ends a read blocked on it), again every 20 ms until the request
// returns (a stop() made while the socket is still connecting has nothing to shut down yet).
class Watchdog {
public:
    Watchdog(httplib::Client& client, std::chrono::steady_clock::time_point deadline)
        : m_thread([this, &client, deadline] {
              std::unique_lock lock(m_mutex);
              if (m_cv.wait_until(lock, deadline, [this] { return m_done; })) return;
              m_fired = true;
              while (!m_done) {
                  client.stop();
                  m_cv.wait_for(lock, std::chrono::milliseconds(20), [this] { return m_done; });
              }
          }) {}
    ~Watchdog() { finish(); }
    /// Ends the watch; true when the deadline had passed (the request was stopped).
    bool finish() {
        {
            std::lock_guard lock(m_mutex);
            m_done = true;
        }
        m_cv.notify_all();
        if (m_thread.joinable()) m_thread.join();
        return m_fired;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_done = false, m_fired = false;
    std::thread m_thread;  // last: started once the members it uses exist
};

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int eco2_http_get_v1(const char* origin, const char* path, long timeout_ms,
                                                           size_t max_body, eco2_http_answer* out) {
    *out = eco2_http_answer{};
    try {
        httplib::Client client(origin);
        if (!client.is_valid()) {
            set_error(out, std::string("cannot use ") + origin);
            return -1;
        }
        const time_t secs = static_cast<time_t>(timeout_ms / 1000);
        const time_t usecs = static_cast<time_t>((timeout_ms % 1000) * 1000);
        client.set_connection_timeout(secs, usecs);
        client.set_read_timeout(secs, usecs);
        client.set_write_timeout(secs, usecs);
        client.set_follow_location(false);
        std::string body;
        bool too_big = false, late = false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        Watchdog watchdog(client, deadline);
        auto res = client.Get(path, httplib::Headers{{"Accept", "application/json"}},
                              [&](const char* data, size_t n) {
                                  if (std::chrono::steady_clock::now() >= deadline) {
                                      late = true;
                                      return false;
                                  }
                                  if (body.size() + n > max_body) {
                                      too_big = true;
                                      return false;
                                  }
                                  body.append(data, n);
                                  return true;
                              });
        late = watchdog.finish() || late;
        out->too_big = too_big ? 1 : 0;
        if (late) {
            set_error(out, "the whole request took longer than the timeout");
            return 0;
        }
        if (!res) {
            if (!too_big) set_error(out, httplib::to_string(res.error()));
            return 0;
        }
        out->status = res->status;
        out->body = static_cast<char*>(std::malloc(body.size() + 1));
        if (out->body == nullptr) {
            out->status = 0;
            set_error(out, "out of memory");
            return 0;
        }
        std::memcpy(out->body, body.data(), body.size());
        out->body[body.size()] = '\0';
        out->body_size = body.size();
        return 0;
    } catch (const std::exception& e) {
        set_error(out, e.what());
        return -1;
    }
}

__attribute__((visibility("default"))) void eco2_http_free_v1(eco2_http_answer* out) {
    std::free(out->body);
    out->body = nullptr;
    out->body_size = 0;
}

}  // extern "C"
