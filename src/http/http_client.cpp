#include "http/http_client.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <vector>

#include "eco2/error.hpp"
#include "http/http_get.h"
#include "sys/fs_root.hpp"
#include "sys/system_context.hpp"

namespace eco2::http {
namespace {

// The module's functions, bound once; the module is never unloaded (dlopen hands back the same handle).
struct Module {
    eco2_http_get_fn get = nullptr;
    eco2_http_free_fn free = nullptr;
    eco2_http_request_fn request = nullptr;
    eco2_http_serve_fn serve = nullptr;
    eco2_http_server_port_fn port = nullptr;
    eco2_http_server_stop_fn stop = nullptr;
};

// ECO2_HTTP_MODULE when set; else beside the running program (the build tree), then in the library directory
// of its installation prefix.
std::vector<std::filesystem::path> candidates() {
    if (std::optional<std::string> v = sys::Environment::capture().non_empty("ECO2_HTTP_MODULE")) return {*v};
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink(sys::FsRoot::live().self_exe(), ec);
    if (ec) return {ECO2_HTTP_MODULE_NAME};  // the dynamic loader's search path
    const std::filesystem::path dir = exe.parent_path();
    return {dir / ECO2_HTTP_MODULE_NAME, (dir / ECO2_HTTP_MODULE_RELDIR / ECO2_HTTP_MODULE_NAME).lexically_normal()};
}

template <typename F>
F bind(void* handle, const char* name) {
    return reinterpret_cast<F>(::dlsym(handle, name));
}

Module load() {
    std::vector<std::string> tried;
    for (const auto& path : candidates()) {
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            std::error_code ec;
            tried.push_back(std::filesystem::exists(path, ec) ? fmt::format("{} ({})", path.string(), ::dlerror())
                                                              : path.string() + " (absent)");
            continue;
        }
        Module m{bind<eco2_http_get_fn>(handle, ECO2_HTTP_GET_SYMBOL),
                 bind<eco2_http_free_fn>(handle, ECO2_HTTP_FREE_SYMBOL),
                 bind<eco2_http_request_fn>(handle, ECO2_HTTP_REQUEST_SYMBOL),
                 bind<eco2_http_serve_fn>(handle, ECO2_HTTP_SERVE_SYMBOL),
                 bind<eco2_http_server_port_fn>(handle, ECO2_HTTP_SERVER_PORT_SYMBOL),
                 bind<eco2_http_server_stop_fn>(handle, ECO2_HTTP_SERVER_STOP_SYMBOL)};
        if (m.get && m.free && m.request && m.serve && m.port && m.stop) return m;
        tried.push_back(path.string() + " (not this version of eco2's HTTP module: a symbol is missing)");
        ::dlclose(handle);
    }
    throw Error(Errc::io_error,
                fmt::format("HTTP needs eco2's HTTP module, which did not load: {}; install eco2's runtime "
                            "component (`cmake --install BUILD --component runtime`) or set ECO2_HTTP_MODULE to "
                            "the path of {}",
                            fmt::join(tried, "; "), ECO2_HTTP_MODULE_NAME));
}

// Loaded at each use (dlopen of a loaded module only counts a reference), so that ECO2_HTTP_MODULE is read
// each time.
Module module() { return load(); }

Answer answer_of(const Module& m, int rc, eco2_http_answer& a) {
    Answer out;
    out.status = a.status;
    if (a.body != nullptr) out.body.assign(a.body, a.body_size);
    out.error = rc != 0 || a.status == 0 ? std::string(a.error) : std::string();
    out.too_big = a.too_big != 0;
    out.unusable_origin = rc != 0;
    if (out.too_big && out.error.empty()) out.error = "the answer was longer than accepted";
    m.free(&a);
    return out;
}

}  // namespace

Url split_url(std::string_view url) {
    const std::size_t scheme = url.find("://");
    const std::string_view name = scheme == std::string_view::npos ? std::string_view() : url.substr(0, scheme);
    const std::size_t host = scheme == std::string_view::npos ? 0 : scheme + 3;
    const std::size_t slash = url.find('/', host);
    if ((name != "http" && name != "https") || slash == host || host >= url.size())
        throw Error(Errc::invalid_argument,
                    fmt::format("\"{}\" is not an http:// or https:// URL (e.g. http://127.0.0.1:9091)", url));
    if (slash == std::string_view::npos) return Url{std::string(url), "/"};
    return Url{std::string(url.substr(0, slash)), std::string(url.substr(slash))};
}

Answer request(std::string_view method, const std::string& url, std::string_view content_type,
               std::string_view body, std::chrono::milliseconds timeout) {
    const Url u = split_url(url);
    const Module m = module();
    eco2_http_answer a{};
    const std::string type(content_type), verb(method);
    const int rc = m.request(verb.c_str(), u.origin.c_str(), u.path.c_str(), type.empty() ? nullptr : type.c_str(),
                             body.data(), body.size(), static_cast<long>(timeout.count()), 64 * 1024, &a);
    return answer_of(m, rc, a);
}

Answer get_json(const std::string& origin, const std::string& path, std::chrono::milliseconds timeout,
                std::size_t max_body) {
    const Module m = module();
    eco2_http_answer a{};
    const int rc = m.get(origin.c_str(), path.c_str(), static_cast<long>(timeout.count()), max_body, &a);
    return answer_of(m, rc, a);
}

struct Server::Impl {
    Handler handler;
    Module m;
    eco2_http_server* server = nullptr;

    static void handle(void* user, const char* path, eco2_http_reply* out) {
        auto* self = static_cast<Impl*>(user);
        Reply r;
        try {
            r = self->handler(path);
        } catch (const std::exception& e) {
            r = Reply{500, "text/plain; charset=utf-8", std::string("eco2: ") + e.what() + "\n"};
        }
        out->status = r.status;
        std::snprintf(out->content_type, sizeof out->content_type, "%s", r.content_type.c_str());
        out->body = static_cast<char*>(std::malloc(r.body.size() + 1));
        if (out->body == nullptr) {
            out->status = 500;
            return;
        }
        std::memcpy(out->body, r.body.data(), r.body.size());
        out->body_size = r.body.size();
    }
};

Server::Server(const std::string& host, int port, Handler handler) : m_impl(std::make_unique<Impl>()) {
    m_impl->handler = std::move(handler);
    m_impl->m = module();
    char error[256] = {};
    m_impl->server = m_impl->m.serve(host.c_str(), port, &Impl::handle, m_impl.get(), error);
    if (m_impl->server == nullptr) throw Error(Errc::io_error, error);
}

Server::~Server() {
    if (m_impl && m_impl->server) m_impl->m.stop(m_impl->server);
}

int Server::port() const noexcept { return m_impl->m.port(m_impl->server); }

ListenAddress parse_listen_address(std::string_view text) {
    const auto bad = [&] {
        return Error(Errc::invalid_argument,
                     fmt::format("listen address \"{}\" is not HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464, "
                                 "0.0.0.0:9464 to listen on every interface)",
                                 text));
    };
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) throw bad();
    std::string host(text.substr(0, colon));
    if (host.front() == '[') {
        if (host.back() != ']' || host.size() < 3) throw bad();
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string::npos) {
        throw bad();
    }
    int port = -1;
    const std::string_view p = text.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc() || end != p.data() + p.size() || port < 0 || port > 65535) throw bad();
    return ListenAddress{host, port};
}

}  // namespace eco2::http
