// control/config: the control tables of the TOML file; every error names file,
// line and key; other tables (the dataplane's) are not ours to judge.

#include "control/config/control_config.hh"

#include <gtest/gtest.h>

namespace sipedge::control::config {
namespace {

const char* good = R"toml(# sipedge.toml
[dataplane]
lcores = [1]
whatever = "the dataplane's business"

[control]
socket = "/tmp/ctl.sock"
shm = "/dev/shm/sipedge-lab"
sqlite = "/tmp/loc.sqlite"
nonce_secret = "0123456789abcdef0123"
nonce_lifetime = 120
publish_interval_ms = 20

[registrar]
min_expires = 30
max_expires = 3600
default_expires = 600
max_contacts = 5

[[domains]]
name = "biloxi.example.com"
realm = "atlanta.example.com"

[[domains]]
name = "chicago.example.com"

[auth]
register = true
invite = false
algorithms = ["MD5"]
)toml";

TEST(control_config, reads_every_control_table_and_ignores_others) {
    const config_result r = parse_control_config(good, "sipedge.toml");
    ASSERT_TRUE(r.ok()) << r.errors[0].text();
    const control_config& c = r.config;
    EXPECT_EQ(c.socket_path, "/tmp/ctl.sock");
    EXPECT_EQ(c.shm_path, "/dev/shm/sipedge-lab");
    EXPECT_EQ(c.sqlite_path, "/tmp/loc.sqlite");
    EXPECT_EQ(c.nonce_secret, "0123456789abcdef0123");
    EXPECT_EQ(c.nonce_lifetime, 120u);
    EXPECT_EQ(c.publish_interval_ms, 20u);
    EXPECT_EQ(c.registrar.min_expires, 30u);
    EXPECT_EQ(c.registrar.max_expires, 3600u);
    EXPECT_EQ(c.registrar.default_expires, 600u);
    EXPECT_EQ(c.registrar.max_contacts, 5u);
    ASSERT_EQ(c.domains.size(), 2u);
    EXPECT_EQ(c.domains[0].realm, "atlanta.example.com");
    EXPECT_EQ(c.domains[1].realm, "chicago.example.com") << "realm defaults to the name";
    EXPECT_TRUE(c.auth_register);
    EXPECT_FALSE(c.auth_invite);
    ASSERT_EQ(c.algorithms.size(), 1u);
    EXPECT_EQ(c.algorithms[0], auth::digest_algorithm::md5);
    EXPECT_TRUE(r.warnings.empty());
}

TEST(control_config, defaults_when_tables_are_absent_with_warnings) {
    const config_result r = parse_control_config("[proxy]\nx = 1\n", "a.toml");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.config.registrar.default_expires, 3600u);
    EXPECT_EQ(r.config.nonce_lifetime, 300u);
    ASSERT_EQ(r.warnings.size(), 2u);
    EXPECT_EQ(r.warnings[0].key, "domains");
}

struct expected_error {
    const char* toml;
    std::size_t line;
    const char* key;
    const char* message_part;
};

TEST(control_config, each_error_names_file_line_and_key) {
    const expected_error cases[] = {
        {"[registrar]\nmin_expires = \"60\"\n", 2, "registrar.min_expires", "integer"},
        {"[registrar]\n\nmax_contacts = 0\n", 3, "registrar.max_contacts", "between 1 and 1000"},
        {"[registrar]\nmin_expires = 100\nmax_expires = 50\ndefault_expires = 60\n", 2,
         "registrar.min_expires", "greater than max_expires"},
        {"[registrar]\nmin_expirs = 100\n", 2, "registrar.min_expirs", "unknown key"},
        {"[control]\nsocket = 5\n", 2, "control.socket", "string"},
        {"[control]\nnonce_secret = \"short\"\n", 2, "control.nonce_secret", "16"},
        {"[control]\nshm = \"\"\n", 2, "control.shm", "empty"},
        {"[auth]\nregister = \"yes\"\n", 2, "auth.register", "true or false"},
        {"[auth]\nalgorithms = [\"MD5\", \"SHA-512\"]\n", 2, "auth.algorithms[1]", "SHA-256"},
        {"[[domains]]\nname = \"a.example\"\n[[domains]]\nname = \"A.example\"\n", 4,
         "domains[1].name", "twice"},
        {"[[domains]]\nrealm = \"r\"\n", 1, "domains[0].name", "required"},
        {"[[domains]]\nname = \"a.example\"\nrelm = \"r\"\n", 3, "domains[0].relm", "unknown"},
        {"registrar = 5\n", 1, "registrar", "table"},
        {"[control]\nsocket = \"/x\"\n[registrar\n", 3, "", "TOML syntax"},
    };
    for (const expected_error& e : cases) {
        const config_result r = parse_control_config(e.toml, "/etc/sipedge/sipedge.toml");
        ASSERT_FALSE(r.ok()) << e.toml;
        const config_error& err = r.errors[0];
        EXPECT_EQ(err.file, "/etc/sipedge/sipedge.toml") << e.toml;
        EXPECT_EQ(err.line, e.line) << e.toml;
        EXPECT_EQ(err.key, e.key) << e.toml;
        EXPECT_NE(err.message.find(e.message_part), std::string::npos) << err.text();
        const std::string text = err.text();
        EXPECT_EQ(text.rfind("/etc/sipedge/sipedge.toml:" + std::to_string(e.line) + ": ", 0), 0u)
            << text;
    }
}

TEST(control_config, all_errors_are_reported_not_just_the_first) {
    const config_result r = parse_control_config(
        "[control]\nsocket = 1\n[registrar]\nmax_contacts = -1\nbogus = 2\n", "f.toml");
    EXPECT_EQ(r.errors.size(), 3u);
}

TEST(control_config, missing_file_names_the_file) {
    const config_result r = load_control_config("/nonexistent/sipedge.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.errors[0].text(), "/nonexistent/sipedge.toml: cannot read the file");
}

} // namespace
} // namespace sipedge::control::config

namespace sipedge::control::config {
namespace {

// The shipped example: the project's one configuration file, whose dataplane
// tables must not upset control's parser.
TEST(control_config, shipped_example_parses) {
    const std::string root = std::string(SIPEDGE_SOURCE_DIR);
    const config_result whole = load_control_config(root + "/config/sipedge.example.toml");
    ASSERT_TRUE(whole.ok()) << whole.errors[0].text();
    EXPECT_EQ(whole.config.domains.size(), 1u);
    EXPECT_TRUE(whole.warnings.empty());
}

} // namespace
} // namespace sipedge::control::config
