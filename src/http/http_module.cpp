// libeco2_http.so: one HTTP(S) GET behind the C interface of http_get.h, for eco2 to dlopen when it needs it.

#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "http/http_get.h"

namespace {

void set_error(eco2_http_answer* out, const std::string& text) {
    std::snprintf(out->error, sizeof out->error, "%s", text.c_str());
}

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
        bool too_big = false;
        auto res = client.Get(path, httplib::Headers{{"Accept", "application/json"}},
                              [&](const char* data, size_t n) {
                                  if (body.size() + n > max_body) {
                                      too_big = true;
                                      return false;
                                  }
                                  body.append(data, n);
                                  return true;
                              });
        out->too_big = too_big ? 1 : 0;
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
