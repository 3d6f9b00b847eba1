#pragma once
// The CLI's unix-socket server in sipedge-control: JSON lines, one request per line,
// one reply line each. Non-blocking and poll()-driven from the control loop; a slow
// or silent client never stalls the loop (bounded line length, bounded clients).

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::control::cli {

class server {
public:
    using handler = std::function<std::string(std::string_view line)>;

    // Binds path (parent directory created if missing). A stale socket file left by a
    // dead control is replaced; a live one is an error ("already running").
    bool listen(const std::string& path, std::string& error);
    ~server();

    // Waits up to timeout_ms for socket activity, then serves what arrived.
    // Returns the number of requests answered.
    std::size_t poll(int timeout_ms, const handler& h);

    static constexpr std::size_t max_clients = 32;
    static constexpr std::size_t max_line = 64 * 1024;

private:
    struct client {
        int fd;
        std::string in;
        std::string out;
    };
    void close_client(std::size_t i);
    int _listen_fd = -1;
    std::string _path;
    std::vector<client> _clients;
};

// Client side (sipedgectl): sends one line, returns the reply line. false with error
// set when control is not reachable ("control is not running: ...").
bool call(const std::string& path, const std::string& request, std::string& reply,
          std::string& error, int timeout_ms = 5000);

} // namespace sipedge::control::cli
