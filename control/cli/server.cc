#include "control/cli/server.hh"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace sipedge::control::cli {

namespace {

bool make_address(const std::string& path, sockaddr_un& addr, std::string& error) {
    std::memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path) {
        error = "socket path \"" + path + "\" is empty or too long";
        return false;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return true;
}

void make_parent_dirs(const std::string& path) {
    for (std::size_t i = 1; i < path.size(); ++i) {
        if (path[i] == '/') {
            ::mkdir(path.substr(0, i).c_str(), 0755); // EEXIST is fine
        }
    }
}

} // namespace

bool server::listen(const std::string& path, std::string& error) {
    sockaddr_un addr{};
    if (!make_address(path, addr, error)) {
        return false;
    }
    make_parent_dirs(path);
    // A socket file may be left by a control that died: replace it only if nobody
    // answers on it.
    const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
        const bool live = ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(probe);
        if (live) {
            error = "another sipedge-control already listens on " + path;
            return false;
        }
    }
    ::unlink(path.c_str());
    _listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (_listen_fd < 0 ||
        ::bind(_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(_listen_fd, 16) != 0) {
        error = "cannot listen on " + path + ": " + std::strerror(errno);
        return false;
    }
    ::chmod(path.c_str(), 0660);
    _path = path;
    return true;
}

server::~server() {
    for (std::size_t i = _clients.size(); i-- > 0;) {
        close_client(i);
    }
    if (_listen_fd >= 0) {
        ::close(_listen_fd);
        ::unlink(_path.c_str());
    }
}

void server::close_client(std::size_t i) {
    ::close(_clients[i].fd);
    _clients.erase(_clients.begin() + static_cast<std::ptrdiff_t>(i));
}

std::size_t server::poll(int timeout_ms, const handler& h) {
    std::vector<pollfd> fds;
    fds.push_back({_listen_fd, POLLIN, 0});
    for (const client& c : _clients) {
        fds.push_back({c.fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) {
        return 0;
    }
    std::size_t answered = 0;
    // Existing clients first (indices match fds[1..]).
    for (std::size_t i = _clients.size(); i-- > 0;) {
        const short ev = fds[i + 1].revents;
        client& c = _clients[i];
        bool drop = (ev & (POLLERR | POLLNVAL)) != 0;
        if (!drop && (ev & (POLLIN | POLLHUP))) {
            char buf[4096];
            const ssize_t n = ::read(c.fd, buf, sizeof buf);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                drop = true;
            } else if (n > 0) {
                c.in.append(buf, static_cast<std::size_t>(n));
                std::size_t nl;
                while ((nl = c.in.find('\n')) != std::string::npos) {
                    c.out += h(std::string_view(c.in).substr(0, nl));
                    c.out += '\n';
                    c.in.erase(0, nl + 1);
                    ++answered;
                }
                if (c.in.size() > max_line) {
                    c.out += "{\"ok\":false,\"error\":\"request line too long\"}\n";
                    c.in.clear();
                }
            }
        }
        if (!drop && !c.out.empty()) {
            const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                c.out.erase(0, static_cast<std::size_t>(n));
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                drop = true;
            }
        }
        if (drop) {
            close_client(i);
        }
    }
    if (fds[0].revents & POLLIN) {
        for (;;) {
            const int fd = ::accept4(_listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                break;
            }
            if (_clients.size() >= max_clients) {
                ::close(fd);
                continue;
            }
            _clients.push_back({fd, {}, {}});
        }
    }
    return answered;
}

bool call(const std::string& path, const std::string& request, std::string& reply,
          std::string& error, int timeout_ms) {
    sockaddr_un addr{};
    if (!make_address(path, addr, error)) {
        return false;
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return false;
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        error =
            "control is not running (cannot connect to " + path + ": " + std::strerror(errno) + ")";
        ::close(fd);
        return false;
    }
    std::string line = request + "\n";
    std::size_t sent = 0;
    while (sent < line.size()) {
        const ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            error = std::string("send: ") + std::strerror(errno);
            ::close(fd);
            return false;
        }
        sent += static_cast<std::size_t>(n);
    }
    reply.clear();
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) {
            error = "control did not answer within " + std::to_string(timeout_ms) + " ms";
            ::close(fd);
            return false;
        }
        char buf[4096];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
            error = "control closed the connection";
            ::close(fd);
            return false;
        }
        reply.append(buf, static_cast<std::size_t>(n));
        const std::size_t nl = reply.find('\n');
        if (nl != std::string::npos) {
            reply.resize(nl);
            ::close(fd);
            return true;
        }
    }
}

} // namespace sipedge::control::cli
