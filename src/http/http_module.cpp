// libeco2_http.so: HTTP(S) requests and a small GET server behind the C interface of http_get.h, for eco2 to
// dlopen when it needs them.

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <memory>
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


// One request under the whole-request deadline, the answer read up to max_body bytes.
int send_request(const char* method, const char* origin, const char* path, httplib::Headers headers,
                 const char* content_type, const char* body, size_t body_size, long timeout_ms, size_t max_body,
                 eco2_http_answer* out) {
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
        std::string answer;
        bool too_big = false, late = false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        httplib::Request req;
        req.method = method;
        req.path = path;
        req.headers = std::move(headers);
        if (content_type != nullptr) req.set_header("Content-Type", content_type);
        if (body != nullptr) req.body.assign(body, body_size);
        req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
            if (std::chrono::steady_clock::now() >= deadline) {
                late = true;
                return false;
            }
            if (answer.size() + n > max_body) {
                too_big = true;
                return false;
            }
            answer.append(data, n);
            return true;
        };
        Watchdog watchdog(client, deadline);
        auto res = client.send(req);
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
        out->body = static_cast<char*>(std::malloc(answer.size() + 1));
        if (out->body == nullptr) {
            out->status = 0;
            set_error(out, "out of memory");
            return 0;
        }
        std::memcpy(out->body, answer.data(), answer.size());
        out->body[answer.size()] = '\0';
        out->body_size = answer.size();
        return 0;
    } catch (const std::exception& e) {
        set_error(out, e.what());
        return -1;
    }
}

}  // namespace

struct eco2_http_server {
    httplib::Server server;
    int port = 0;
    std::thread thread;
};

extern "C" {

__attribute__((visibility("default"))) int eco2_http_get_v1(const char* origin, const char* path, long timeout_ms,
                                                           size_t max_body, eco2_http_answer* out) {
    return send_request("GET", origin, path, httplib::Headers{{"Accept", "application/json"}}, nullptr, nullptr, 0,
                        timeout_ms, max_body, out);
}

__attribute__((visibility("default"))) int eco2_http_request_v1(const char* method, const char* origin,
                                                               const char* path, const char* content_type,
                                                               const char* body, size_t body_size, long timeout_ms,
                                                               size_t max_body, eco2_http_answer* out) {
    return send_request(method, origin, path, httplib::Headers{}, content_type, body, body_size, timeout_ms,
                        max_body, out);
}

__attribute__((visibility("default"))) eco2_http_server* eco2_http_serve_v1(const char* host, int port,
                                                                           eco2_http_handler_fn handler,
                                                                           void* user, char error[256]) {
    try {
        auto s = std::make_unique<eco2_http_server>();
        // Two threads answer: scrapes come one at a time, and an idle pool thread costs nothing.
        s->server.new_task_queue = [] { return new httplib::ThreadPool(2); };
        s->server.set_keep_alive_max_count(1);
        // cpp-httplib's default also sets SO_REUSEPORT, with which a second agent would bind the same port
        // and take half the scrapes: SO_REUSEADDR only (a restarted agent rebinds at once).
        s->server.set_socket_options([](socket_t sock) {
            int yes = 1;
            ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        });
        s->server.set_read_timeout(2, 0);
        s->server.set_write_timeout(2, 0);
        s->server.Get(".*", [handler, user](const httplib::Request& req, httplib::Response& res) {
            eco2_http_reply reply{};
            reply.status = 500;
            handler(user, req.path.c_str(), &reply);
            res.status = reply.status;
            res.set_content(reply.body != nullptr ? std::string(reply.body, reply.body_size) : std::string(),
                            reply.content_type[0] != '\0' ? reply.content_type : "text/plain; charset=utf-8");
            std::free(reply.body);
        });
        if (port == 0) {
            s->port = s->server.bind_to_any_port(host);
            if (s->port < 0) s->port = 0;
        } else if (s->server.bind_to_port(host, port)) {
            s->port = port;
        }
        if (s->port == 0) {
            std::snprintf(error, 256, "cannot listen on %s:%d: %s", host, port, std::strerror(errno));
            return nullptr;
        }
        eco2_http_server* raw = s.get();
        s->thread = std::thread([raw] { raw->server.listen_after_bind(); });
        // stop() before the thread has entered its accept loop would be lost (the server not running yet)
        // and the join would wait forever: return once it runs.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!s->server.is_running() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return s.release();
    } catch (const std::exception& e) {
        std::snprintf(error, 256, "cannot listen on %s:%d: %s", host, port, e.what());
        return nullptr;
    }
}

__attribute__((visibility("default"))) int eco2_http_server_port_v1(const eco2_http_server* server) {
    return server->port;
}

__attribute__((visibility("default"))) void eco2_http_server_stop_v1(eco2_http_server* server) {
    if (server == nullptr) return;
    server->server.stop();
    if (server->thread.joinable()) server->thread.join();
    delete server;
}

__attribute__((visibility("default"))) void eco2_http_free_v1(eco2_http_answer* out) {
    std::free(out->body);
    out->body = nullptr;
    out->body_size = 0;
}

}  // extern "C"
