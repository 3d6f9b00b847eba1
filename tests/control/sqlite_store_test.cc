// control/location/sqlite_store: users and bindings survive closing and re-opening
// the file; expired bindings are neither loaded nor kept.

#include "control/location/sqlite_store.hh"

#include <cstdio>
#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace sipedge::control::location {
namespace {

struct temp_db {
    std::string path = "/tmp/sipedge-store-test-" + std::to_string(::getpid()) + ".sqlite";
    temp_db() { remove_all(); }
    ~temp_db() { remove_all(); }
    void remove_all() {
        for (const char* suffix : {"", "-wal", "-shm"}) {
            std::remove((path + suffix).c_str());
        }
    }
};

registrar::binding make_binding(std::string uri, std::int64_t expires_at) {
    registrar::binding b;
    b.uri = std::move(uri);
    b.params = "+sip.instance=\"<urn:uuid:1>\";reg-id=1";
    b.path = "<sip:edge.example.com;lr>";
    b.call_id = "abc@192.0.2.4";
    b.cseq = 7;
    b.expires_at = expires_at;
    b.q = 500;
    b.instance = "\"<urn:uuid:1>\"";
    b.reg_id = 1;
    b.received = ipc::endpoint::ipv4(0xc0000204, 5062);
    b.transport = 1;
    b.user_agent = "test UA";
    b.updated_at = 999;
    return b;
}

// The writer never checkpoints (PRAGMA wal_autocheckpoint=0): its commits go to
// the WAL, and the checkpointer thread copies them into the database file.
TEST(sqlite_store, the_wal_reaches_the_file_without_the_writer) {
    temp_db db;
    std::string err;
    auto s = sqlite_store::open(db.path, err);
    ASSERT_NE(s, nullptr) << err;
    auto file_size = [&] {
        struct stat st {};
        return ::stat(db.path.c_str(), &st) == 0 ? st.st_size : -1;
    };
    const std::uint64_t before = s->checkpoints();
    const auto empty_size = file_size();
    ASSERT_TRUE(s->begin());
    for (int i = 0; i < 2000; ++i) {
        const std::vector<registrar::binding> b = {make_binding("sip:u@192.0.2.4", 5000)};
        ASSERT_TRUE(s->save_aor("user" + std::to_string(i) + "@biloxi.example.com", b));
    }
    ASSERT_TRUE(s->commit());
    EXPECT_EQ(file_size(), empty_size) << "the commit itself checkpointed";
    for (int i = 0; i < 200 && (s->checkpoints() < before + 2 || file_size() == empty_size); ++i) {
        ::usleep(20'000);
    }
    EXPECT_GT(file_size(), empty_size + 100'000) << "2000 bindings copied into the file";
    EXPECT_EQ(s->checkpoint_errors(), 0u);
}

TEST(sqlite_store, users_and_bindings_survive_reopen) {
    temp_db db;
    auth::hasher h;
    const auth::stored_credential bob =
        auth::compute_credential(h, "bob", "biloxi.example.com", "zanzibar");
    const std::vector<registrar::binding> bindings = {make_binding("sip:bob@192.0.2.4", 5000),
                                                      make_binding("sip:bob@192.0.2.5", 6000)};
    {
        std::string err;
        auto s = sqlite_store::open(db.path, err);
        ASSERT_NE(s, nullptr) << err;
        ASSERT_TRUE(s->put_user("bob", "biloxi.example.com", bob)) << s->last_error();
        ASSERT_TRUE(s->begin());
        ASSERT_TRUE(s->save_aor("bob@biloxi.example.com", bindings)) << s->last_error();
        ASSERT_TRUE(s->commit());
    }
    std::string err;
    auto s = sqlite_store::open(db.path, err);
    ASSERT_NE(s, nullptr) << err;
    const auto users = s->users();
    ASSERT_EQ(users.size(), 1u);
    EXPECT_EQ(users[0].user, "bob");
    EXPECT_EQ(users[0].realm, "biloxi.example.com");
    EXPECT_TRUE(users[0].credential.has_md5);
    EXPECT_EQ(users[0].credential.ha1_md5, bob.ha1_md5);
    EXPECT_EQ(users[0].credential.ha1_sha256, bob.ha1_sha256);
    const auto loaded = s->load_bindings(1000);
    ASSERT_EQ(loaded.size(), 1u);
    EXPECT_EQ(loaded[0].first, "bob@biloxi.example.com");
    EXPECT_EQ(loaded[0].second, bindings);
}

TEST(sqlite_store, no_password_is_stored) {
    temp_db db;
    auth::hasher h;
    {
        std::string err;
        auto s = sqlite_store::open(db.path, err);
        ASSERT_NE(s, nullptr);
        ASSERT_TRUE(s->put_user(
            "bob", "biloxi.example.com",
            auth::compute_credential(h, "bob", "biloxi.example.com", "correct-horse-battery")));
    }
    FILE* f = std::fopen(db.path.c_str(), "rb");
    ASSERT_NE(f, nullptr);
    std::string bytes;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        bytes.append(buf, n);
    }
    std::fclose(f);
    EXPECT_NE(bytes.find("bob"), std::string::npos) << "the file does hold the user";
    EXPECT_EQ(bytes.find("correct-horse-battery"), std::string::npos);
}

TEST(sqlite_store, replace_remove_and_purge) {
    temp_db db;
    std::string err;
    auto s = sqlite_store::open(db.path, err);
    ASSERT_NE(s, nullptr);
    const std::vector<registrar::binding> two = {make_binding("sip:a@192.0.2.1", 1500),
                                                 make_binding("sip:a@192.0.2.2", 3000)};
    ASSERT_TRUE(s->save_aor("a@example.com", two));
    ASSERT_TRUE(s->save_aor("b@example.com", two));
    const std::vector<registrar::binding> one = {make_binding("sip:a@192.0.2.9", 3000)};
    ASSERT_TRUE(s->save_aor("a@example.com", one));
    ASSERT_TRUE(s->save_aor("b@example.com", {}));
    auto loaded = s->load_bindings(1000);
    ASSERT_EQ(loaded.size(), 1u);
    EXPECT_EQ(loaded[0].second, one);

    ASSERT_TRUE(s->save_aor("b@example.com", two));
    EXPECT_EQ(s->load_bindings(2000)[1].second.size(), 1u) << "expired bindings are not loaded";
    EXPECT_EQ(s->purge_expired(2000), 1u);
    EXPECT_EQ(s->purge_expired(2000), 0u);
    EXPECT_EQ(s->purge_expired(4000), 2u);
    EXPECT_TRUE(s->load_bindings(0).empty());
}

TEST(sqlite_store, delete_user) {
    temp_db db;
    std::string err;
    auto s = sqlite_store::open(db.path, err);
    ASSERT_NE(s, nullptr);
    auth::stored_credential c;
    c.has_md5 = true;
    c.ha1_md5[0] = 1;
    ASSERT_TRUE(s->put_user("bob", "r", c));
    c.ha1_md5[0] = 2;
    ASSERT_TRUE(s->put_user("bob", "r", c)) << "put replaces";
    ASSERT_EQ(s->users().size(), 1u);
    EXPECT_EQ(s->users()[0].credential.ha1_md5[0], 2);
    EXPECT_FALSE(s->users()[0].credential.has_sha256);
    EXPECT_FALSE(s->delete_user("alice", "r"));
    EXPECT_TRUE(s->delete_user("bob", "r"));
    EXPECT_TRUE(s->users().empty());
}

TEST(sqlite_store, unusable_path_is_an_error_with_the_path) {
    std::string err;
    EXPECT_EQ(sqlite_store::open("/nonexistent-dir/x/store.sqlite", err), nullptr);
    EXPECT_NE(err.find("/nonexistent-dir/x/store.sqlite"), std::string::npos) << err;
}

} // namespace
} // namespace sipedge::control::location
