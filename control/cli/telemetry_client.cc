#include "control/cli/telemetry_client.hh"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace sipedge::control::cli {

namespace {

// One message (SOCK_SEQPACKET keeps boundaries); the reply limit of DPDK 22.11
// telemetry is 16 KiB.
bool receive(int fd, std::string& out, int timeout_ms, std::string& error) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) {
        error =
            "the dataplane's telemetry did not answer within " + std::to_string(timeout_ms) + " ms";
        return false;
    }
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
        error = "the dataplane closed the telemetry connection";
        return false;
    }
    out.assign(buf, static_cast<std::size_t>(n));
    return true;
}

} // namespace

std::string telemetry_socket_path(const std::string& instance) {
    return "/var/run/dpdk/" + instance + "/dpdk_telemetry.v2";
}

bool telemetry_query(const std::string& path, const std::vector<std::string>& commands,
                     std::vector<nlohmann::json>& replies, std::string& error, int timeout_ms) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) {
        error = "telemetry socket path too long: " + path;
        return false;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return false;
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        error = "the dataplane is not running (cannot connect to " + path + ": " +
                std::strerror(errno) + ")";
        ::close(fd);
        return false;
    }
    std::string msg;
    bool ok = receive(fd, msg, timeout_ms, error); // greeting
    replies.clear();
    for (std::size_t i = 0; ok && i < commands.size(); ++i) {
        const std::string& c = commands[i];
        if (::send(fd, c.data(), c.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(c.size())) {
            error = std::string("telemetry send: ") + std::strerror(errno);
            ok = false;
            break;
        }
        ok = receive(fd, msg, timeout_ms, error);
        if (!ok) {
            break;
        }
        try {
            const nlohmann::json j = nlohmann::json::parse(msg);
            const std::string key = c.substr(0, c.find(','));
            replies.push_back(j.contains(key) ? j[key] : nlohmann::json());
        } catch (const std::exception& e) {
            error = std::string("telemetry reply is not JSON: ") + e.what();
            ok = false;
        }
    }
    ::close(fd);
    return ok;
}

} // namespace sipedge::control::cli
