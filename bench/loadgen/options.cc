#include "bench/loadgen/options.hh"

#include "bench/loadgen/addr.hh"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

namespace sipedge::loadgen {

namespace {

bool parse_u64(std::string_view text, std::uint64_t max, std::uint64_t& out) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v > max) {
        return false;
    }
    out = v;
    return true;
}

// "IP" or "IP:PORT"; port keeps its default when absent.
bool parse_hostport(std::string_view s, std::uint32_t& ip, std::uint16_t& port) {
    const std::size_t colon = s.find(':');
    if (colon != std::string_view::npos) {
        std::uint64_t p;
        if (!parse_u64(s.substr(colon + 1), 65535, p) || p == 0) {
            return false;
        }
        port = static_cast<std::uint16_t>(p);
    }
    return parse_ipv4(s.substr(0, colon), ip) && ip != 0;
}

// Seconds with an optional fraction ("2", "0.5") to milliseconds.
bool parse_seconds(std::string_view s, std::uint64_t max_s, std::uint64_t& ms) {
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || !(v >= 0) ||
        v > static_cast<double>(max_s)) {
        return false;
    }
    ms = static_cast<std::uint64_t>(std::llround(v * 1000));
    return true;
}

bool given(const std::vector<std::string_view>& seen, std::string_view name) {
    return std::find(seen.begin(), seen.end(), name) != seen.end();
}

// Options that belong to another scenario, and what a scenario cannot run
// without: a reason, or empty.
std::string check_scenario(const options& o, const std::vector<std::string_view>& seen) {
    const scenario k = o.engine.kind;
    const std::string name(scenario_name(k));
    struct owned {
        std::string_view option;
        bool allowed;
        const char* what;
    };
    const bool reg = k == scenario::register_;
    const owned rules[] = {
        {"--hold", k == scenario::call, "the call scenario"},
        {"--max-concurrent", k == scenario::call, "the call scenario"},
        {"--users", k != scenario::call, "--scenario register or options"},
        {"--user-prefix", k != scenario::call, "--scenario register or options"},
        {"--domain", reg, "--scenario register"},
        {"--password", reg, "--scenario register"},
        {"--expires", reg, "--scenario register"},
        {"--reuse-nonce", reg, "--scenario register"},
        {"--registrar-algorithm", reg && o.direct, "--scenario register with --direct"},
        {"--registrar-password", reg && o.direct, "--scenario register with --direct"},
        {"--nonce-lifetime", reg && o.direct, "--scenario register with --direct"},
    };
    for (const owned& r : rules) {
        if (!r.allowed && given(seen, r.option)) {
            return std::string(r.option) + " belongs to " + r.what + ", not to --scenario " + name +
                   (o.direct ? " --direct" : "");
        }
    }
    if (reg && (o.engine.domain.empty() || o.engine.password.empty())) {
        return "--scenario register needs --domain D (the registrar's domain) and --password P";
    }
    return {};
}

parse_outcome fail(const char* program, const std::string& why) {
    return {std::nullopt, 2,
            std::string(program) + ": " + why + "\n(" + program + " --help lists the options)\n"};
}

} // namespace

std::string usage_text(const char* program) {
    return std::string("usage: ") + program +
           " --port DEVICE --uac IP[:PORT] --uas IP[:PORT] (--proxy IP[:PORT] | --direct)\n"
           "       [--scenario call|register|options] --rate N (--calls N | --duration S)\n"
           "       [options] [--eal EAL-ARGS...]\n"
           "\n"
           "A SIP load generator on a DPDK port: a UAC population places the classic call\n"
           "(INVITE, 100/180/200, ACK, hold, BYE, 200) through the device under test to a\n"
           "UAS population on a second address of the same port, or registers users with\n"
           "digest, or sends OPTIONS pings. Retransmissions follow RFC 3261 (T1 doubling)\n"
           "on its own timers and are counted. It reports every second and at the end,\n"
           "and stops by itself.\n"
           "\n"
           "Addresses and port\n"
           "  --port DEVICE          DPDK virtual device, e.g.\n"
           "                         "
           "net_memif0,role=client,socket=/run/sipedge.sock,socket-abstract=no\n"
           "                         (net_ring0 loops back to itself: use it with --direct)\n"
           "  --uac IP[:PORT]        the callers' address (default port 5061)\n"
           "  --uas IP[:PORT]        the callees' address (default port 5060)\n"
           "  --proxy IP[:PORT]      the device under test: every request goes there\n"
           "                         (default port 5060); the Request-URI names the UAS\n"
           "  --direct               no device under test: the UAC sends to the UAS itself,\n"
           "                         over a port that loops back (shows the generator's own "
           "limit)\n"
           "Scenario\n"
           "  --scenario NAME        call (default): INVITE, 100/180/200, ACK, hold, BYE, 200;\n"
           "                         register: REGISTER -> 401 -> REGISTER with digest -> 200;\n"
           "                         options: OPTIONS -> 200 (to the device under test itself,\n"
           "                         or to the UAS with --direct)\n"
           "  --users N              register/options: users user0..user<N-1>; item j is sent\n"
           "                         by user j mod N, one transaction per user at a time\n"
           "                         (default 1000)\n"
           "  --user-prefix P        user names P0, P1... (default user)\n"
           "  --domain D             register: the registrar's domain and realm; R-URI sip:D,\n"
           "                         AOR sip:userK@D (required)\n"
           "  --password P           register: every user's password (required)\n"
           "  --expires S            register: Expires of each REGISTER (default 3600)\n"
           "  --reuse-nonce, --no-reuse-nonce\n"
           "                         register: refresh on the last nonce with nc+1 in one round\n"
           "                         trip until the server says stale=true (default: reuse)\n"
           "  --registrar-algorithm md5|sha256, --registrar-password P, --nonce-lifetime S\n"
           "                         register --direct: the UAS registrar's challenge algorithm\n"
           "                         (default md5), the password it checks (default --password)\n"
           "                         and its nonces' lifetime (default 300)\n"
           "Load\n"
           "  --rate N               new calls (registrations, OPTIONS) per second (default 100)\n"
           "  --calls N, --count N   how many to start\n"
           "  --duration S           seconds during which they are started (fractions allowed):\n"
           "                         rate x S of them, the last ones late if the generator is\n"
           "                         behind (its lag is reported); at least one of --calls\n"
           "                         and --duration bounds the run;\n"
           "                         those in progress then finish (a call at most hold +\n"
           "                         64*T1*2 + 1 s, a registration 3 * 64*T1 + 1 s)\n"
           "  --search               find the highest clean rate: steps of --duration (or\n"
           "                         --calls) from --rate, doubling until a step has a failure,\n"
           "                         an unexpected message, a retransmission or a missed rate,\n"
           "                         then bisecting; reports each step and the last clean rate\n"
           "  --max-rate N           --search: the highest rate tried (required with --search)\n"
           "  --bisection-steps N    --search: bisection steps after the first unclean one\n"
           "                         (default 3)\n"
           "  --search-pause S       --search: seconds between steps, receiving and discarding\n"
           "                         what is still in flight (default 2)\n"
           "  --hold MS              call: time between ACK and BYE (default 0)\n"
           "  --t1 MS, --t2 MS       RFC 3261 T1 and T2 (default 500 and 4000)\n"
           "  --max-concurrent N     call slots, i.e. calls in progress at once (default 65536)\n"
           "  --idle-sleep-us N      a pass that received nothing sleeps N us (default 0: busy\n"
           "                         polling); leaves CPU to a process sharing the core\n"
           "  --seed N               randomness of Call-IDs, tags and branches (default: clock)\n"
           "Results\n"
           "  --report-interval S    a line every S seconds, fractions from 0.05 (default 1;\n"
           "                         0: final report only)\n"
           "  --json                 reports as JSON lines on stdout (one per interval, then\n"
           "                         {\"type\":\"final\",...}; with --search {\"type\":\"step\",...}\n"
           "                         for each step, then {\"type\":\"search\",...}); start-up\n"
           "                         messages go to stderr\n"
           "  --max-failed N         failures tolerated before exit status 1 (default 0)\n"
           "  --max-unexpected N     unexpected messages tolerated before exit status 1 (default "
           "0)\n"
           "  --tolerate-failures    exit 0 whatever failed\n"
           "DPDK\n"
           "  --instance NAME        DPDK file prefix, distinct per DPDK process (default\n"
           "                         sipedge-loadgen)\n"
           "  --main-lcore N         housekeeping and reports (default 0)\n"
           "  --lcore N              the polling loop (default 1); lcores beyond the CPU count\n"
           "                         are mapped onto CPU N mod CPUs\n"
           "  --hugepages auto|yes|no  as sipedge (default auto)\n"
           "  --memory MB            DPDK memory without hugepages (default 256)\n"
           "  --link-timeout S       wait up to this long for the port to start, then as long\n"
           "                         for its link, e.g. for the memif server (default 10)\n"
           "  --linger S             after the final report, keep the port open until the peer\n"
           "                         closes it or S seconds pass (default 0): stop a memif\n"
           "                         peer first, then the loadgen\n"
           "  --log-level SPEC       EAL log level (default *:warning)\n"
           "  --eal ARGS...          everything after this goes to rte_eal_init\n"
           "  --help                 this text\n"
           "\n"
           "Exit status: 0 the run met its tolerances (--search: a clean rate was found);\n"
           "1 more failed calls or unexpected messages than tolerated, or interrupted\n"
           "(--search: not even the first step was clean); 2 bad arguments; 3 could not\n"
           "run (EAL, port, link, address resolution).\n";
}

parse_outcome parse_options(int argc, char** argv) {
    const char* program = argc > 0 ? argv[0] : "sipedge-loadgen";
    options o;
    o.engine.seed = 0;
    bool have_uac = false, have_uas = false, have_proxy = false;
    std::vector<std::string_view> seen; // options given, for the scenario checks
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            return {std::nullopt, 0, usage_text(program)};
        }
        if (arg == "--eal") {
            for (++i; i < argc; ++i) {
                o.extra_eal_args.emplace_back(argv[i]);
            }
            break;
        }
        if (arg == "--direct") {
            o.direct = true;
            continue;
        }
        if (arg == "--json") {
            o.json = true;
            continue;
        }
        if (arg == "--tolerate-failures") {
            o.tolerate = true;
            continue;
        }
        if (arg == "--search") {
            o.search = true;
            continue;
        }
        if (arg == "--reuse-nonce" || arg == "--no-reuse-nonce") {
            o.engine.reuse_nonce = arg == "--reuse-nonce";
            seen.push_back("--reuse-nonce");
            continue;
        }
        static constexpr std::string_view with_value[] = {"--port",
                                                          "--uac",
                                                          "--uas",
                                                          "--proxy",
                                                          "--rate",
                                                          "--calls",
                                                          "--duration",
                                                          "--hold",
                                                          "--t1",
                                                          "--t2",
                                                          "--max-concurrent",
                                                          "--seed",
                                                          "--report-interval",
                                                          "--max-failed",
                                                          "--max-unexpected",
                                                          "--instance",
                                                          "--main-lcore",
                                                          "--lcore",
                                                          "--hugepages",
                                                          "--memory",
                                                          "--link-timeout",
                                                          "--linger",
                                                          "--log-level",
                                                          "--scenario",
                                                          "--count",
                                                          "--users",
                                                          "--user-prefix",
                                                          "--domain",
                                                          "--password",
                                                          "--expires",
                                                          "--registrar-algorithm",
                                                          "--registrar-password",
                                                          "--nonce-lifetime",
                                                          "--idle-sleep-us",
                                                          "--max-rate",
                                                          "--bisection-steps",
                                                          "--search-pause"};
        bool known = false;
        for (std::string_view name : with_value) {
            known = known || arg == name;
        }
        if (!known) {
            return fail(program, "unknown argument '" + std::string(arg) + "'");
        }
        if (i + 1 >= argc) {
            return fail(program, std::string(arg) + " needs a value");
        }
        const std::string_view value = argv[++i];
        seen.push_back(arg);
        // Built by appending: "'" + std::string trips GCC 12's -Wrestrict false positive.
        std::string shown(1, '\'');
        shown.append(value).push_back('\'');
        std::uint64_t v = 0;
        if (arg == "--port") {
            o.port_device = value;
        } else if (arg == "--uac") {
            if (!parse_hostport(value, o.engine.uac_ip, o.engine.uac_port)) {
                return fail(program, "--uac takes IPV4[:PORT], got " + shown);
            }
            have_uac = true;
        } else if (arg == "--uas") {
            if (!parse_hostport(value, o.engine.uas_ip, o.engine.uas_port)) {
                return fail(program, "--uas takes IPV4[:PORT], got " + shown);
            }
            have_uas = true;
        } else if (arg == "--proxy") {
            if (!parse_hostport(value, o.engine.next_hop_ip, o.engine.next_hop_port)) {
                return fail(program, "--proxy takes IPV4[:PORT], got " + shown);
            }
            have_proxy = true;
        } else if (arg == "--rate") {
            if (!parse_u64(value, 100'000'000, o.engine.rate) || o.engine.rate == 0) {
                return fail(program, "--rate takes calls per second (1-100000000), got " + shown);
            }
        } else if (arg == "--calls" || arg == "--count") {
            if (!parse_u64(value, std::uint64_t{1} << 48, o.engine.calls) || o.engine.calls == 0) {
                return fail(program, "--calls takes a positive count, got " + shown);
            }
        } else if (arg == "--duration") {
            if (!parse_seconds(value, 7 * 86400, o.engine.duration_ms) ||
                o.engine.duration_ms == 0) {
                return fail(program,
                            "--duration takes seconds (more than 0, at most a week), got " + shown);
            }
        } else if (arg == "--hold") {
            if (!parse_u64(value, 3'600'000, v)) {
                return fail(program, "--hold takes milliseconds (0-3600000), got " + shown);
            }
            o.engine.hold_ms = static_cast<std::uint32_t>(v);
        } else if (arg == "--t1" || arg == "--t2") {
            if (!parse_u64(value, 60'000, v) || v == 0) {
                return fail(program,
                            std::string(arg) + " takes milliseconds (1-60000), got " + shown);
            }
            (arg == "--t1" ? o.engine.t1_ms : o.engine.t2_ms) = static_cast<std::uint32_t>(v);
        } else if (arg == "--max-concurrent") {
            if (!parse_u64(value, 1u << 24, v) || v == 0) {
                return fail(program, "--max-concurrent takes a count (1-16777216), got " + shown);
            }
            o.engine.capacity = static_cast<std::uint32_t>(v);
        } else if (arg == "--seed") {
            if (!parse_u64(value, ~std::uint64_t{0}, o.engine.seed)) {
                return fail(program, "--seed takes an unsigned number, got " + shown);
            }
        } else if (arg == "--report-interval") {
            // Reports come from a thread that wakes every 20 ms: finer would not be kept.
            if (!parse_seconds(value, 3600, o.report_interval_ms) ||
                (o.report_interval_ms != 0 && o.report_interval_ms < 50)) {
                return fail(program,
                            "--report-interval takes seconds (0, or 0.05-3600), got " + shown);
            }
        } else if (arg == "--max-failed") {
            if (!parse_u64(value, ~std::uint64_t{0}, o.max_failed)) {
                return fail(program, "--max-failed takes a count, got " + shown);
            }
        } else if (arg == "--max-unexpected") {
            if (!parse_u64(value, ~std::uint64_t{0}, o.max_unexpected)) {
                return fail(program, "--max-unexpected takes a count, got " + shown);
            }
        } else if (arg == "--instance") {
            if (value.empty() || value.find('/') != std::string_view::npos) {
                return fail(program, "--instance takes a name without '/'");
            }
            o.instance = value;
        } else if (arg == "--main-lcore" || arg == "--lcore") {
            if (!parse_u64(value, 1023, v)) {
                return fail(program,
                            std::string(arg) + " takes an lcore number (0-1023), got " + shown);
            }
            (arg == "--lcore" ? o.lcore : o.main_lcore) = static_cast<unsigned>(v);
        } else if (arg == "--hugepages") {
            if (value == "auto") {
                o.hugepages = dataplane::hugepage_mode::automatic;
            } else if (value == "yes") {
                o.hugepages = dataplane::hugepage_mode::required;
            } else if (value == "no") {
                o.hugepages = dataplane::hugepage_mode::disabled;
            } else {
                return fail(program, "--hugepages takes auto, yes or no");
            }
        } else if (arg == "--memory") {
            if (!parse_u64(value, 1u << 20, v) || v < 64) {
                return fail(program, "--memory takes megabytes, at least 64, got " + shown);
            }
            o.memory_mb = static_cast<unsigned>(v);
        } else if (arg == "--link-timeout") {
            if (!parse_u64(value, 600, v) || v == 0) {
                return fail(program, "--link-timeout takes seconds (1-600), got " + shown);
            }
            o.link_timeout_s = static_cast<unsigned>(v);
        } else if (arg == "--linger") {
            if (!parse_u64(value, 600, v)) {
                return fail(program, "--linger takes seconds (0-600), got " + shown);
            }
            o.linger_s = static_cast<unsigned>(v);
        } else if (arg == "--max-rate") {
            if (!parse_u64(value, 100'000'000, o.max_rate) || o.max_rate == 0) {
                return fail(program, "--max-rate takes a rate (1-100000000), got " + shown);
            }
        } else if (arg == "--bisection-steps") {
            if (!parse_u64(value, 20, v)) {
                return fail(program, "--bisection-steps takes a count (0-20), got " + shown);
            }
            o.bisection_steps = static_cast<unsigned>(v);
        } else if (arg == "--search-pause") {
            if (!parse_seconds(value, 600, o.search_pause_ms)) {
                return fail(program, "--search-pause takes seconds (0-600), got " + shown);
            }
        } else if (arg == "--log-level") {
            o.log_level = value;
        } else if (arg == "--scenario") {
            if (value == "call") {
                o.engine.kind = scenario::call;
            } else if (value == "register") {
                o.engine.kind = scenario::register_;
            } else if (value == "options") {
                o.engine.kind = scenario::options;
            } else {
                return fail(program, "--scenario takes call, register or options, got " + shown);
            }
        } else if (arg == "--users") {
            if (!parse_u64(value, 1u << 24, v) || v == 0) {
                return fail(program, "--users takes a count (1-16777216), got " + shown);
            }
            o.engine.users = static_cast<std::uint32_t>(v);
        } else if (arg == "--user-prefix") {
            if (value.empty() || value.size() > 32 ||
                value.find_first_of("@:;<>\" \t\r\n,") != std::string_view::npos) {
                return fail(program, "--user-prefix takes 1-32 characters that are not "
                                     "separators, got " + shown);
            }
            o.engine.user_prefix = value;
        } else if (arg == "--domain") {
            if (value.empty() || value.size() > 63 ||
                value.find_first_of("@;<>\" \t\r\n,") != std::string_view::npos) {
                return fail(program, "--domain takes a host name or address, got " + shown);
            }
            o.engine.domain = value;
        } else if (arg == "--password" || arg == "--registrar-password") {
            if (value.empty() || value.size() > 128) {
                return fail(program, std::string(arg) + " takes 1-128 characters");
            }
            (arg == "--password" ? o.engine.password : o.engine.uas_password) = value;
        } else if (arg == "--expires") {
            if (!parse_u64(value, 0xffffffffu, v)) {
                return fail(program, "--expires takes seconds, got " + shown);
            }
            o.engine.expires_s = static_cast<std::uint32_t>(v);
        } else if (arg == "--registrar-algorithm") {
            if (value == "md5" || value == "MD5") {
                o.engine.uas_algorithm = digest_alg::md5;
            } else if (value == "sha256" || value == "SHA-256") {
                o.engine.uas_algorithm = digest_alg::sha256;
            } else {
                return fail(program, "--registrar-algorithm takes md5 or sha256, got " + shown);
            }
        } else if (arg == "--nonce-lifetime") {
            if (!parse_u64(value, 86400, v) || v == 0) {
                return fail(program, "--nonce-lifetime takes seconds (1-86400), got " + shown);
            }
            o.engine.uas_nonce_lifetime_s = static_cast<std::uint32_t>(v);
        } else if (arg == "--idle-sleep-us") {
            if (!parse_u64(value, 100'000, v)) {
                return fail(program, "--idle-sleep-us takes microseconds (0-100000), got " + shown);
            }
            o.idle_sleep_us = static_cast<unsigned>(v);
        }
    }
    if (o.port_device.empty()) {
        return fail(program,
                    "no port: give --port DEVICE (e.g. net_memif0,role=client,socket=PATH)");
    }
    if (!have_uac || !have_uas) {
        return fail(program, "give both --uac and --uas addresses");
    }
    if (o.engine.uac_ip == o.engine.uas_ip) {
        return fail(program, "--uac and --uas need two different addresses (ARP answers for each)");
    }
    if (o.direct == have_proxy) {
        return fail(program, o.direct
                                 ? "--direct and --proxy exclude each other"
                                 : "give --proxy IP[:PORT] (the device under test) or --direct");
    }
    if (have_proxy &&
        (o.engine.next_hop_ip == o.engine.uac_ip || o.engine.next_hop_ip == o.engine.uas_ip)) {
        return fail(program, "the --proxy address must differ from the UAC and UAS addresses");
    }
    if (o.direct) {
        o.engine.next_hop_ip = o.engine.uas_ip;
        o.engine.next_hop_port = o.engine.uas_port;
    }
    if (o.engine.calls == 0 && o.engine.duration_ms == 0) {
        return fail(program, "the run must be bounded: give --calls N, --duration S, or both");
    }
    if (o.engine.t2_ms < o.engine.t1_ms) {
        return fail(program, "--t2 must not be below --t1");
    }
    if (o.main_lcore == o.lcore) {
        return fail(program, "--main-lcore and --lcore must differ");
    }
    if (std::string why = check_scenario(o, seen); !why.empty()) {
        return fail(program, why);
    }
    const bool search_options = given(seen, "--max-rate") || given(seen, "--bisection-steps") ||
                                given(seen, "--search-pause");
    if (search_options && !o.search) {
        return fail(program, "--max-rate, --bisection-steps and --search-pause belong to --search");
    }
    if (o.search) {
        if (o.max_rate == 0) {
            return fail(program, "--search needs --max-rate N, the highest rate it may try");
        }
        if (o.max_rate < o.engine.rate) {
            return fail(program, "--max-rate must not be below --rate (the first step)");
        }
        if (o.tolerate) {
            return fail(program, "--search and --tolerate-failures exclude each other: a step "
                                 "with failures is what ends the search");
        }
    }
    return {std::move(o), 0, {}};
}

dataplane::options eal_options(const options& o) {
    dataplane::options d;
    d.instance = o.instance;
    d.ports = {{o.port_device}};
    d.main_lcore = o.main_lcore;
    d.worker_lcores = {o.lcore};
    d.hugepages = o.hugepages;
    d.memory_mb = o.memory_mb;
    d.log_level = o.log_level;
    // No telemetry socket: nothing reads it, and it would collide with nothing
    // but clutter the runtime directory.
    d.extra_eal_args = {"--no-telemetry"};
    d.extra_eal_args.insert(d.extra_eal_args.end(), o.extra_eal_args.begin(),
                            o.extra_eal_args.end());
    return d;
}

} // namespace sipedge::loadgen
